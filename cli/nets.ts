/**
 * Seed 003's small networks as demo commands, each printing what it learned:
 *   aekit perceptron   one sigmoid layer on the seed's toy set (or on XOR, which it cannot learn)
 *   aekit xor          a two-layer net learning XOR by backpropagation, next to a perceptron failing at it
 *   aekit rnn          a recurrent net predicting the next value of a sine wave (backpropagation through time)
 * Each is exported as { help, run }, like the one-command modules; `run` here dispatches on its first argument.
 */
import { ACTIVATIONS, OPTIMIZERS } from '../src/index.js';
import { MLP } from '../src/models/mlp.js';
import { Perceptron, TOY_INPUTS, TOY_TARGETS, XOR_TARGETS } from '../src/models/perceptron.js';
import { RNNRegressor, slidingWindows } from '../src/models/rnn.js';
import { tensor } from '../src/tensor/tensor.js';
import { choiceArg, intArg, parseCommand, positionals, positiveArg } from './args.js';
import { UsageError } from './errors.js';
import { requireAllFinite, requireFinite } from './safety.js';

/** Why a demo's numbers can stop being numbers: the learning rate (the data is generated, so finite). */
const DIVERGED = 'the net diverged: try a lower --lr';

interface Command {
  help: string;
  run(args: string[]): Promise<number>;
}

const round = (v: number): number => Number(v.toPrecision(4));
const table = (rows: string[][]): string => rows.map((r) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(8) : c.padStart(10))).join('')}`).join('\n');

type Values = Record<string, string | boolean | undefined>;

/** Parses a demo command's string flags plus --json and --help; returns null when --help was given (and printed). */
function parse(name: string, help: string, args: string[], flags: readonly string[]): Values | null {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
  for (const f of flags) options[f] = { type: 'string' };
  const parsed = parseCommand(name, args, options);
  const values = parsed.values as Values;
  if (values.help) {
    process.stdout.write(help);
    return null;
  }
  positionals(name, parsed.positionals, []);
  return values;
}

const str = (v: string | boolean | undefined, fallback: string): string => (typeof v === 'string' ? v : fallback);

export const perceptron: Command = {
  help: `Usage: aekit perceptron [options]

Trains seed 003's single-layer network, y = sigmoid(x W^T + b), by plain gradient descent on its
toy set: inputs [0,0,1] [0,1,1] [1,0,1] [1,1,1], target = the first input. With --targets xor it
tries XOR instead, which one layer cannot learn (no straight line separates the classes).

Options:
  --targets toy|xor   what to learn (default toy)
  --epochs N          full-batch gradient steps (default 1000)
  --lr X              learning rate (default 1)
  --loss mse|bce      squared error as in the seed, or binary cross-entropy (default mse)
  --seed N            seeds the initial weights (default 0)
  --json              print the result as one JSON line
  -h, --help          show this help
`,
  async run(args) {
    const v = parse('perceptron', perceptron.help, args, ['targets', 'epochs', 'lr', 'loss', 'seed']);
    if (!v) return 0;
    const task = choiceArg('targets', str(v.targets, 'toy'), ['toy', 'xor'] as const);
    const epochs = intArg('epochs', str(v.epochs, '1000'));
    const lr = positiveArg('lr', str(v.lr, '1'));
    const loss = choiceArg('loss', str(v.loss, 'mse'), ['mse', 'bce'] as const);
    const seed = intArg('seed', str(v.seed, '0'), 0);
    const targets = task === 'toy' ? TOY_TARGETS : XOR_TARGETS;
    // No bias of its own, as in the seed: the constant third input column does that job.
    const p = new Perceptron({ inputDim: 3, useBias: false, seed });
    const h = await p.fit(TOY_INPUTS, targets, { epochs, lr, loss });
    const outputs = Array.from(p.predict(TOY_INPUTS).toTypedArray());
    requireFinite('the final loss', h.loss.at(-1) ?? NaN, DIVERGED);
    requireAllFinite('the output of input', outputs, DIVERGED);
    const correct = outputs.filter((o, i) => (o >= 0.5 ? 1 : 0) === targets[i]).length;
    const result = {
      task, config: { epochs, lr, loss, seed }, inputs: TOY_INPUTS, targets, outputs, correct,
      weights: Array.from(p.layer.weight.toTypedArray()),
      finalLoss: h.loss[h.loss.length - 1], seconds: h.seconds,
    };
    if (v.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(
        `one sigmoid layer on the seed's ${task === 'toy' ? 'toy set' : 'XOR targets'}: ${epochs} steps of gradient descent (lr ${lr}, ${loss})\n` +
          `${table([['input', 'target', 'output'], ...TOY_INPUTS.map((x, i) => [x.join(' '), String(targets[i]), outputs[i].toFixed(3)])])}\n` +
          `weights [${result.weights.map(round).join(', ')}]; ${correct}/4 correct; final ${loss} ${round(result.finalLoss)}\n` +
          (task === 'xor' ? 'a single layer draws one straight boundary, and no straight line separates XOR: try `aekit xor`\n' : ''),
      );
    }
    return 0;
  },
};

export const xor: Command = {
  help: `Usage: aekit xor [options]

Seed 003's two-layer network learning XOR by backpropagation: inputs [0,0,1] [0,1,1] [1,0,1] [1,1,1],
target = XOR of the first two. A single-layer perceptron trained the same way is shown for contrast.

Options:
  --hidden N          hidden units (default 4)
  --activation NAME   hidden activation (default sigmoid; ${ACTIVATIONS.join(', ')})
  --optimizer NAME    ${OPTIMIZERS.join(', ')} (default sgd: plain gradient descent, as in the seed)
  --lr X              learning rate (default 1)
  --epochs N          full-batch steps (default 5000)
  --seed N            seeds the initial weights (default 0)
  --json              print the result as one JSON line
  -h, --help          show this help
`,
  async run(args) {
    const v = parse('xor', xor.help, args, ['hidden', 'activation', 'optimizer', 'lr', 'epochs', 'seed']);
    if (!v) return 0;
    const hidden = intArg('hidden', str(v.hidden, '4'));
    const activation = choiceArg('activation', str(v.activation, 'sigmoid'), ACTIVATIONS);
    const optimizer = choiceArg('optimizer', str(v.optimizer, 'sgd'), OPTIMIZERS);
    const lr = positiveArg('lr', str(v.lr, '1'));
    const epochs = intArg('epochs', str(v.epochs, '5000'));
    const seed = intArg('seed', str(v.seed, '0'), 0);
    const net = new MLP({ sizes: [3, hidden, 1], activation, seed });
    const h = await net.fit(TOY_INPUTS, XOR_TARGETS, { epochs, optimizer, lr, loss: 'mse' });
    const single = new Perceptron({ inputDim: 3, useBias: false, seed });
    await single.fit(TOY_INPUTS, XOR_TARGETS, { epochs, lr: optimizer === 'sgd' ? lr : 1 });
    const outputs = Array.from(net.predict(TOY_INPUTS).toTypedArray());
    const perceptronOutputs = Array.from(single.predict(TOY_INPUTS).toTypedArray());
    requireFinite('the final loss of the two-layer net', h.loss.at(-1) ?? NaN, DIVERGED);
    requireAllFinite('the two-layer output of input', outputs, DIVERGED);
    requireAllFinite('the one-layer output of input', perceptronOutputs, DIVERGED);
    const score = (out: number[]): number => out.filter((o, i) => (o >= 0.5 ? 1 : 0) === XOR_TARGETS[i]).length;
    const result = {
      config: { sizes: net.config.sizes, activation, optimizer, lr, epochs, seed, loss: 'mse' },
      inputs: TOY_INPUTS, targets: XOR_TARGETS, outputs, correct: score(outputs),
      perceptronOutputs, perceptronCorrect: score(perceptronOutputs),
      finalLoss: h.loss[h.loss.length - 1], seconds: h.seconds,
    };
    if (v.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(
        `XOR with a 3-${hidden}-1 network (${activation}, ${optimizer} lr ${lr}, ${epochs} full-batch steps, mse)\n` +
          `${table([['input', 'target', '2-layer', '1-layer'], ...TOY_INPUTS.map((x, i) => [x.join(' '), String(XOR_TARGETS[i]), outputs[i].toFixed(3), perceptronOutputs[i].toFixed(3)])])}\n` +
          `two layers: ${result.correct}/4 correct (final mse ${round(result.finalLoss)}); one layer: ${result.perceptronCorrect}/4\n`,
      );
    }
    return 0;
  },
};

export const rnn: Command = {
  help: `Usage: aekit rnn [options]

Seed 003's recurrent network: a SimpleRNN (h_t = tanh(x_t W_x^T + h_{t-1} W_h^T + b)) with a linear
read-out learns to predict the next value of a sine wave from the previous --window values, trained
by backpropagation through time. The last 20% of the series is held out and the test MSE is
compared with the MSE of always predicting the mean.

Options:
  --units N           hidden state size (default 16)
  --window N          values the net reads before predicting (default 10)
  --period N          sine period in steps (default 25)
  --length N          series length (default 300)
  --epochs N          passes over the training windows (default 20)
  --lr X              Adam learning rate (default 0.01)
  --seed N            seeds the weights and the batch order (default 0)
  --json              print the result as one JSON line
  -h, --help          show this help
`,
  async run(args) {
    const v = parse('rnn', rnn.help, args, ['units', 'window', 'period', 'length', 'epochs', 'lr', 'seed']);
    if (!v) return 0;
    const units = intArg('units', str(v.units, '16'));
    const window = intArg('window', str(v.window, '10'));
    const period = positiveArg('period', str(v.period, '25'));
    const length = intArg('length', str(v.length, '300'));
    const epochs = intArg('epochs', str(v.epochs, '20'));
    const lr = positiveArg('lr', str(v.lr, '0.01'));
    const seed = intArg('seed', str(v.seed, '0'), 0);
    const n = length - window, nTrain = Math.floor(n * 0.8);
    if (nTrain < 1 || n - nTrain < 2) throw new UsageError(`--length ${length} leaves too few windows of ${window} to train and test on`);
    const series = Array.from({ length }, (_, t) => Math.sin((2 * Math.PI * t) / period));
    const { x, y } = slidingWindows(series, window);
    const xd = x.toTypedArray(), yd = y.toTypedArray();
    const xTrain = tensor(xd.slice(0, nTrain * window), [nTrain, window, 1]), yTrain = tensor(yd.slice(0, nTrain), [nTrain, 1]);
    const xTest = tensor(xd.slice(nTrain * window), [n - nTrain, window, 1]), yTest = Array.from(yd.slice(nTrain));
    const net = new RNNRegressor({ units, seed });
    const h = await net.fit(xTrain, yTrain, { epochs, lr, seed });
    const testMse = requireFinite('the test MSE', net.evaluate(xTest, yTest), DIVERGED);
    requireFinite('the final training loss', h.loss.at(-1) ?? NaN, DIVERGED);
    const mean = yTest.reduce((s, t) => s + t, 0) / yTest.length;
    const baselineMse = yTest.reduce((s, t) => s + (t - mean) ** 2, 0) / yTest.length;
    const predicted = Array.from(net.predict(xTest).toTypedArray());
    const result = {
      config: { units, window, period, length, epochs, lr, seed, optimizer: 'adam', batchSize: 32 },
      trainWindows: nTrain, testWindows: n - nTrain, finalTrainLoss: h.loss[h.loss.length - 1], testMse, baselineMse,
      examples: yTest.slice(0, 8).map((actual, i) => ({ actual, predicted: predicted[i] })), seconds: h.seconds,
    };
    if (v.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(
        `SimpleRNN(${units}) + linear read-out, windows of ${window} values of sin(2 pi t / ${period}) -> the next value\n` +
          `trained ${epochs} epochs on ${nTrain} windows (${h.seconds.toFixed(1)} s), tested on the last ${n - nTrain}\n` +
          `test MSE ${round(testMse)} vs ${round(baselineMse)} for predicting the mean` +
          `${baselineMse > 0 ? ` (${((100 * testMse) / baselineMse).toFixed(2)}%)` : ''}\n` +
          `${table([['', 'actual', 'predicted'], ...result.examples.map((e, i) => [`t+${i}`, e.actual.toFixed(3), e.predicted.toFixed(3)])])}\n`,
      );
    }
    return 0;
  },
};

export const commands: Record<'perceptron' | 'xor' | 'rnn', Command> = { perceptron, xor, rnn };

export const help = `Usage: aekit perceptron|xor|rnn [options]\n\nSeed 003's small networks; see 'aekit perceptron --help', 'aekit xor --help', 'aekit rnn --help'.\n`;

/** `run(['xor', '--epochs', '100'])`: the first argument names the demo. */
export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = name !== undefined && Object.hasOwn(commands, name) ? commands[name as keyof typeof commands] : undefined;
  if (!cmd) throw new UsageError(`expected one of perceptron, xor, rnn; got '${String(name)}'`);
  return cmd.run(rest);
}
