// ESLint for the page's modules (web/) and the browser tests (tests/): `cargo xtask test` runs
// `eslint -c tests/eslint.config.js web tests` from the repository root.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["tests/node_modules/**", "web/vendor/**"] },
  js.configs.recommended,
  {
    files: ["web/**/*.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.browser } },
  },
  {
    files: ["web/worker.js"],
    languageOptions: { globals: { ...globals.worker, GPUAdapter: "readonly", GPUDevice: "readonly", GPUBuffer: "readonly" } },
  },
  {
    files: ["tests/**/*.mjs", "tests/*.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.node, ...globals.browser } },
  },
  {
    rules: {
      "no-unused-vars": ["error", { args: "after-used", argsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
];
