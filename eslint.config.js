// Lint rules that enforce the dependency walls of DESIGN.md §4.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { importX } from "eslint-plugin-import-x";

const deepImports = {
  group: ["@fawkes/*/src/*", "@fawkes/*/src", "../../*/src/*"],
  message: "Import a package through its entry point, never its internals.",
};
const nodeBuiltins = {
  group: ["node:*"],
  message: "protocol, core and web are isomorphic: no node:* imports (do the I/O in server, agent or cli).",
};
const walls = (extra = [], patterns = []) => ({
  "no-restricted-imports": ["error", { paths: extra, patterns: [deepImports, ...patterns] }],
});
const forbid = (...names) =>
  names.map((name) => ({ name, message: `This package must not depend on ${name}.` }));

export default tseslint.config(
  { ignores: ["**/node_modules/**", ".fawkes/**", "tmp/**", "**/dist/**", "examples/*/node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "import-x": importX },
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        fetch: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        structuredClone: "readonly",
        setImmediate: "readonly",
        queueMicrotask: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "import-x/no-cycle": ["error", { maxDepth: 10 }],
      "import-x/no-self-import": "error",
      ...walls(),
    },
    settings: { "import-x/resolver-next": [] },
  },
  {
    files: ["packages/protocol/**/*.ts"],
    rules: walls(
      forbid("@fawkes/core", "@fawkes/server", "@fawkes/agent", "@fawkes/cli", "@fawkes/testing"),
      [nodeBuiltins],
    ),
  },
  {
    files: ["packages/core/**/*.ts"],
    ignores: ["packages/core/test/**", "packages/core/scripts/**"],
    rules: walls(forbid("@fawkes/server", "@fawkes/agent", "@fawkes/cli", "@fawkes/testing"), [nodeBuiltins]),
  },
  {
    files: ["packages/agent/**/*.ts"],
    ignores: ["packages/agent/test/**"],
    rules: walls(forbid("@fawkes/core", "@fawkes/server", "@fawkes/cli")),
  },
  {
    files: ["packages/server/**/*.ts"],
    ignores: ["packages/server/test/**"],
    rules: walls(forbid("@fawkes/agent", "@fawkes/cli")),
  },
  {
    files: ["packages/web/**/*.{ts,tsx}"],
    languageOptions: {
      parserOptions: { ecmaFeatures: { jsx: true } },
      globals: {
        window: "readonly",
        document: "readonly",
        EventSource: "readonly",
        fetch: "readonly",
        navigator: "readonly",
        history: "readonly",
        location: "readonly",
        localStorage: "readonly",
        HTMLElement: "readonly",
        requestAnimationFrame: "readonly",
        cancelAnimationFrame: "readonly",
        ResizeObserver: "readonly",
        IntersectionObserver: "readonly",
        performance: "readonly",
        URLSearchParams: "readonly",
        Blob: "readonly",
        getComputedStyle: "readonly",
      },
    },
  },
  {
    // The browser bundle: talks to the server over HTTP only (its tests and build config run in Node).
    files: ["packages/web/**/*.{ts,tsx}"],
    ignores: ["packages/web/test/**", "packages/web/vite.config.ts"],
    rules: walls(
      forbid(
        "@fawkes/server",
        "@fawkes/agent",
        "@fawkes/cli",
        "@fawkes/core",
        "@fawkes/cloud",
        "@fawkes/testing",
      ),
      [nodeBuiltins],
    ),
  },
);
