// Lint rules that enforce the dependency walls of DESIGN.md §4. One table (ALLOWED) says which workspace package
// may import which; every per-package rule below is generated from it. packages/testing/test/lint-walls.test.ts
// proves each wall fails on a forbidden import, a relative escape, a cycle, an undeclared dependency and a
// floating promise.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { createNodeResolver, importX } from "eslint-plugin-import-x";

/**
 * The architecture: which `@fawkes/*` packages each package's own code (src, bin) may import. Anything not listed
 * is forbidden. protocol ← core ← {server, cloud, cli}; agent ← protocol; web ← protocol. server is the
 * composition root and composes the cloud endpoint; cli's `server`, `agent` and `up` commands launch the server
 * and the agent in-process, so it composes both.
 */
export const ALLOWED = {
  protocol: [],
  core: ["protocol"],
  cloud: ["protocol", "core"],
  server: ["protocol", "core", "cloud"],
  cli: ["protocol", "core", "server", "agent"],
  agent: ["protocol"],
  web: ["protocol"],
  testing: ["protocol"],
};

/**
 * What a package's tests, scripts and build config may import on top of ALLOWED: the package itself and the private
 * testing package always, plus these (with the reason).
 */
const TEST_ALSO = {
  // The `fawkes s3` commands are tested against the real S3 endpoint.
  cli: ["cloud"],
};

/** protocol, core and web run in the browser as well as in Node: no node:* there. */
const ISOMORPHIC = new Set(["protocol", "core", "web"]);

const PACKAGES = Object.keys(ALLOWED);
const deepImports = {
  group: ["@fawkes/*/src/*", "@fawkes/*/src"],
  message: "Import a package through its entry point, never its internals.",
};
const nodeBuiltins = {
  group: ["node:*"],
  message: "protocol, core and web are isomorphic: no node:* imports (do the I/O in server, agent or cli).",
};
const walls = (pkg, allowed, patterns = []) => ({
  "no-restricted-imports": [
    "error",
    {
      paths: PACKAGES.filter((other) => other !== pkg && !allowed.includes(other)).map((other) => ({
        name: `@fawkes/${other}`,
        message: `${pkg} must not depend on @fawkes/${other} (the allowed edges are ALLOWED in eslint.config.js).`,
      })),
      patterns: [deepImports, ...patterns],
    },
  ],
});
const codeOf = (pkg) => [`packages/${pkg}/src/**/*.{ts,tsx}`, `packages/${pkg}/bin/**/*.js`];
const testsOf = (pkg) => [
  `packages/${pkg}/test/**/*.{ts,tsx}`,
  `packages/${pkg}/scripts/**/*.ts`,
  `packages/${pkg}/*.config.ts`,
];

/** Per package: the import walls and the dependencies its package.json must declare. */
const packageWalls = PACKAGES.flatMap((pkg) => [
  {
    files: codeOf(pkg),
    rules: {
      ...walls(pkg, ALLOWED[pkg], ISOMORPHIC.has(pkg) ? [nodeBuiltins] : []),
      // The code a package ships may use its own dependencies only (devDependencies are for its tests and build).
      "import-x/no-extraneous-dependencies": [
        "error",
        {
          packageDir: [`packages/${pkg}`],
          devDependencies: false,
          includeInternal: true,
          includeTypes: true,
        },
      ],
    },
  },
  {
    files: testsOf(pkg),
    rules: {
      ...walls(pkg, [...ALLOWED[pkg], pkg, "testing", ...(TEST_ALSO[pkg] ?? [])]),
      // Tests may also use the root's shared devDependencies (the AWS SDK, fast-check, playwright).
      "import-x/no-extraneous-dependencies": [
        "error",
        { packageDir: [`packages/${pkg}`, "."], includeInternal: true, includeTypes: true },
      ],
    },
  },
]);

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
      // A relative path into another package (whatever its depth) bypasses the walls above.
      "import-x/no-relative-packages": "error",
      "no-restricted-imports": ["error", { patterns: [deepImports] }],
    },
    // A real resolver (Node's algorithm, package.json "exports" included), without which no-cycle,
    // no-relative-packages and no-extraneous-dependencies silently see nothing.
    settings: {
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".tsx", ".js"] })],
      // Without these, import-x does not parse the .ts files it resolves, and no-cycle sees no edges.
      "import-x/extensions": [".ts", ".tsx", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx"] },
    },
  },
  {
    // Typed linting: each file is checked with the tsconfig that covers it (root, or packages/web).
    files: ["**/*.{ts,tsx}"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          // node:test registers tests and suites by call; the runner awaits what they return.
          allowForKnownSafeCalls: [
            {
              from: "package",
              package: "node:test",
              name: ["test", "it", "describe", "suite", "before", "after"],
            },
          ],
        },
      ],
    },
  },
  ...packageWalls,
  {
    // cloud-init turns user data into a boot plan and script: pure (zlib for gzip user data is the one built-in).
    files: ["packages/cloud/src/cloud-init/**/*.ts"],
    rules: walls("cloud", ALLOWED.cloud, [
      {
        group: ["node:*", "!node:zlib"],
        message: "cloud-init is pure: no processes, files or sockets here.",
      },
    ]),
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
);
