// Stylesheets are imported by the modules that use them; esbuild bundles them into main.css.
declare module '*.css';
