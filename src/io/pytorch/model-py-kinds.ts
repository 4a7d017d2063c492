/**
 * model.py's class for each exported kind (Python source), and the expression `build` calls with the saved
 * config. Every class mirrors the aekit model's forward pass; the names of its submodules are the state-dict keys
 * layout.ts maps (a Linear or Conv2d is always followed by its activation module, so encoder.0 is the first
 * layer and encoder.2 the second). Training-only parts (sparsity and contraction penalties, denoising noise) are
 * not modules: a PyTorch training loop adds them itself, from model.aekit["config"].
 */
import type { PyTorchKind } from './layout.js';

const DENSE = String.raw`

class TiedLinear(nn.Module):
    """A StackedAutoencoder decoder layer with tiedWeights: x @ W + b with W its encoder layer's weight, so it
    owns only its bias. The encoder layer is kept in a tuple, which nn.Module does not register: the shared
    weight is saved once, under the encoder."""

    def __init__(self, linear):
        super().__init__()
        self._tied = (linear,)
        self.bias = nn.Parameter(torch.zeros(linear.in_features))

    def forward(self, x):
        return F.linear(x, self._tied[0].weight.t(), self.bias)


class DenseAutoencoder(AekitModule):
    """Autoencoder (and its sparse, denoising, contractive and stacked forms): Linear layers through
    sizes = [input, *hidden, latent] and back, each followed by its activation module."""

    def __init__(self, sizes, act, latent_act, output_act, tied=False):
        super().__init__()
        k = len(sizes) - 1
        enc = []
        for i in range(k):
            enc += [nn.Linear(sizes[i], sizes[i + 1]), activation(latent_act if i == k - 1 else act)]
        dec = []
        for j in range(k):
            i = k - 1 - j  # decoder layer j rebuilds the input of encoder layer i
            layer = TiedLinear(enc[2 * i]) if tied else nn.Linear(sizes[i + 1], sizes[i])
            dec += [layer, activation(output_act if j == k - 1 else act)]
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)

    def encode(self, x):
        return self.encoder(x.reshape(x.shape[0], -1))

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x)).reshape(x.shape)
`;

const DENSE_BUILDER = 'lambda c: DenseAutoencoder([c["inputDim"], *c["hidden"], c["latentDim"]], c["activation"], c["latentActivation"], c["outputActivation"], c.get("tiedWeights", False))';

const VAE = String.raw`

class VAE(AekitModule):
    """Encoder trunk, two linear heads (z_mean, z_log_var), decoder. forward() decodes the posterior mean, as
    aekit's reconstruct does; loss() is aekit's training loss."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        trunk = [c["inputDim"], *c["hidden"]]
        enc = []
        for i in range(len(trunk) - 1):
            enc += [nn.Linear(trunk[i], trunk[i + 1]), activation(c["activation"])]
        self.encoder = nn.Sequential(*enc)
        self.z_mean = nn.Linear(trunk[-1], c["latentDim"])
        self.z_log_var = nn.Linear(trunk[-1], c["latentDim"])
        back = [c["latentDim"], *reversed(c["hidden"]), c["inputDim"]]
        dec = []
        for i in range(len(back) - 1):
            last = i == len(back) - 2
            dec += [nn.Linear(back[i], back[i + 1]), activation(c["outputActivation"] if last else c["activation"])]
        self.decoder = nn.Sequential(*dec)

    def posterior(self, x):
        h = self.encoder(x.reshape(x.shape[0], -1))
        return self.z_mean(h), self.z_log_var(h)

    def encode(self, x):
        return self.posterior(x)[0]

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x)).reshape(x.shape)

    def loss(self, x, generator=None):
        """Per sample: the reconstruction term summed over the inputs (BCE from the logits, or squared error)
        plus beta * KL(q(z|x) || N(0, I)) summed over the code; then the mean over the batch."""
        x = x.reshape(x.shape[0], -1)
        mean, log_var = self.posterior(x)
        eps = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
        z = mean + torch.exp(0.5 * log_var) * eps
        if self.config["reconstruction"] == "bce":
            logits = self.decoder[:-1](z)  # everything but the final sigmoid
            recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
        else:
            recon = ((self.decoder(z) - x) ** 2).sum(1)
        kl = -0.5 * (1 + log_var - mean ** 2 - torch.exp(log_var)).sum(1)
        return (recon + self.config["beta"] * kl).mean()
`;

const CONV = String.raw`

class SamePool(nn.Module):
    """Max pooling with Keras's (aekit's) 'same' padding: ceil(size / k) outputs, the padding split in two with
    the odd one at the bottom/right, and padded cells never win (-inf)."""

    def __init__(self, size):
        super().__init__()
        self.size = tuple(size)

    def forward(self, x):
        pads = []
        for n, k in ((x.shape[3], self.size[1]), (x.shape[2], self.size[0])):  # F.pad lists the last axis first
            total = max(-(-n // k) * k - n, 0)
            pads += [total // 2, total - total // 2]
        return F.max_pool2d(F.pad(x, pads, value=float("-inf")), self.size)


def _conv(cin, stage):
    return nn.Conv2d(cin, stage["filters"], tuple(stage["kernelSize"]), padding="same" if stage["padding"] == "same" else 0)


class ConvAutoencoder(AekitModule):
    """Takes images as aekit does, channels last: NHWC [batch, h, w, c] or flat rows [batch, h * w * c]. They are
    permuted to PyTorch's NCHW inside and the output comes back in the input's shape; codes are NHWC. Kernels are
    OIHW here (aekit keeps Keras's HWIO; the export permutes them)."""

    def __init__(self, c):
        super().__init__()
        self.image_shape = tuple(c["inputShape"])
        h, w, cur = self.image_shape
        pool = tuple(c["pool"])
        enc = []
        for s in c["encoder"]:
            enc += [_conv(cur, s), activation(s["activation"], 1), SamePool(pool)]
            cur = s["filters"]
            h, w = -(-h // pool[0]), -(-w // pool[1])
        self.code_shape = (h, w, cur)
        dec = []
        for s in c["decoder"]:
            dec += [_conv(cur, s), activation(s["activation"], 1), nn.Upsample(scale_factor=pool, mode="nearest")]
            cur = s["filters"]
        last = {"filters": self.image_shape[2], "kernelSize": c["outputKernelSize"], "padding": "same"}
        dec += [_conv(cur, last), activation(c["outputActivation"], 1)]
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)

    def encode(self, x):
        nchw = x.reshape(x.shape[0], *self.image_shape).permute(0, 3, 1, 2)
        return self.encoder(nchw).permute(0, 2, 3, 1)

    def decode(self, z):
        nchw = z.reshape(z.shape[0], *self.code_shape).permute(0, 3, 1, 2)
        return self.decoder(nchw).permute(0, 2, 3, 1)

    def forward(self, x):
        return self.decode(self.encode(x)).reshape(x.shape)
`;

const SEQUENCE = String.raw`

class SequenceAutoencoder(AekitModule):
    """LSTM encoder (its last h is the code, through an optional linear bottleneck), the code repeated at every
    step into an LSTM decoder, a Linear per step. Gates are in PyTorch's order (i, f, g, o) in aekit too. aekit's
    LSTM has one bias where PyTorch adds two: the export writes it as bias_ih_l0 with bias_hh_l0 = 0, and
    'aekit import' adds the two back into one."""

    def __init__(self, c):
        super().__init__()
        self.timesteps, self.features, units = c["timesteps"], c["inputDim"], c["units"]
        code = c["latentDim"] or units
        self.encoder = nn.LSTM(self.features, units, batch_first=True)
        self.bottleneck = nn.Linear(units, c["latentDim"]) if c["latentDim"] else None
        self.decoder = nn.LSTM(code, units, batch_first=True)
        self.output = nn.Linear(units, self.features)

    def encode(self, x):
        _, (h, _) = self.encoder(x.reshape(x.shape[0], self.timesteps, self.features))
        return h[-1] if self.bottleneck is None else self.bottleneck(h[-1])

    def decode(self, code):
        out, _ = self.decoder(code.unsqueeze(1).expand(-1, self.timesteps, -1))
        return self.output(out)

    def forward(self, x):
        return self.decode(self.encode(x)).reshape(x.shape)
`;

export const KIND_CLASSES: Record<PyTorchKind, string> = {
  Autoencoder: DENSE,
  SparseAutoencoder: DENSE,
  DenoisingAutoencoder: DENSE,
  StackedAutoencoder: DENSE,
  ContractiveAutoencoder: DENSE,
  VAE,
  ConvAutoencoder: CONV,
  SequenceAutoencoder: SEQUENCE,
};

export const KIND_BUILDERS: Record<PyTorchKind, string> = {
  Autoencoder: DENSE_BUILDER,
  SparseAutoencoder: DENSE_BUILDER,
  DenoisingAutoencoder: DENSE_BUILDER,
  StackedAutoencoder: DENSE_BUILDER,
  // One sigmoid layer each way (its closed-form Jacobian needs it); the config does not repeat that.
  ContractiveAutoencoder: 'lambda c: DenseAutoencoder([c["inputDim"], c["latentDim"]], "sigmoid", "sigmoid", c["outputActivation"])',
  VAE: 'VAE',
  ConvAutoencoder: 'ConvAutoencoder',
  SequenceAutoencoder: 'SequenceAutoencoder',
};
