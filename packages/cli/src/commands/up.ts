/**
 * `fawkes up`: the server in this process plus N local agents as child processes, data in ./.fawkes. Without
 * --pipelines it serves the bundled example as a git repository whose commits trigger runs at once.
 */
import { hostname } from "node:os";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { superviseAgents, localAgentSpecs } from "../agent-supervisor.ts";
import { FawkesClient } from "../client.ts";
import type { CliContext } from "../context.ts";
import {
  credentialsPath,
  initialAccessKeyLines,
  initialAdminLoginLines,
  saveServerToken,
} from "../credentials.ts";
import { applicationUrl, ensureExampleInfrastructure } from "../example-infrastructure.ts";
import { installNotifyHook, prepareExampleRepo } from "../example-repo.ts";
import { positiveInt } from "../options.ts";
import { addServerFlags, explainStartFailure, rawServerOptions } from "../server-flags.ts";
import type { ServerFlags } from "../server-flags.ts";
import { untilSignal } from "../signals.ts";
import { waitUntilHealthy } from "../wait-healthy.ts";

interface UpFlags extends ServerFlags {
  agents: number;
}

export function registerUpCommand(program: Command, context: CliContext): void {
  const { io } = context;
  const command = program
    .command("up")
    .description("start a server and local agents (with the bundled example unless --pipelines is given)");
  addServerFlags(command)
    .option("--agents <n>", "how many local agents to start", positiveInt, 1)
    .action(async (flags: UpFlags) => {
      const { compileServerOptions, startServer } = await import("@fawkes/server");
      // `up` is for a terminal: keep the server quiet so the banner and failures stand out.
      const raw = { logLevel: io.env.FAWKES_LOG_LEVEL || "warn", ...rawServerOptions(flags) };
      let options = compileServerOptions(raw, io.env);
      const exampleRepo =
        options.pipelineSources.length === 0 ? prepareExampleRepo(options.dataDir) : undefined;
      if (exampleRepo !== undefined) options = Object.freeze({ ...options, pipelineSources: [exampleRepo] });

      const server = await startServer(options).catch((error: unknown) => {
        throw explainStartFailure(error);
      });
      let supervisor: ReturnType<typeof superviseAgents> | undefined;
      try {
        saveServerToken(server.url, server.apiToken, options.dataDir, io.env, {
          cloudUrl: server.cloudUrl,
          accessKey: server.initialAccessKey,
        });
        const client = new FawkesClient({ serverUrl: server.url, token: server.apiToken });
        await waitUntilHealthy(client, 30_000);
        let application: string | undefined;
        if (exampleRepo !== undefined) {
          installNotifyHook(exampleRepo, server.url, context.mainScript, {
            configHome: dirname(dirname(credentialsPath(io.env))),
          });
          // Before any agent starts: the first run's publish and deploy stages need the bucket and roles.
          const infrastructure = await ensureExampleInfrastructure(client, exampleRepo, (line) =>
            io.err(`${line}\n`),
          );
          application = applicationUrl(infrastructure);
        }
        const specs = localAgentSpecs(options.dataDir, hostname(), flags.agents);
        // The local agents' role: their jobs publish to the artifact repository with no configuration.
        const ciRole = await server.ensureCiRole();
        supervisor = superviseAgents({
          mainScript: context.mainScript,
          serverUrl: server.url,
          key: server.autoRegisterKey,
          agents: specs,
          role: ciRole,
          onEvent: (message) => io.err(`fawkes: ${message}\n`),
        });
        io.out(
          [
            "",
            `Fawkes is up at ${server.url}`,
            // The fragment never reaches the server's logs: the page trades it for a session cookie.
            `  web UI          ${server.url}/#token=${server.apiToken}`,
            `  cloud endpoint  ${server.cloudUrl} (S3, STS; jobs get AWS_ENDPOINT_URL, and credentials through a role)`,
            `  data directory  ${options.dataDir}`,
            `  API token       saved to ${credentialsPath(io.env)} (fawkes commands on this machine use it)`,
            `  agents          ${specs.map((spec) => spec.name).join(", ")} (logs in ${options.dataDir}/agents/)`,
            `  agents' role    ${ciRole ?? "none (no roles store: jobs without a role get no cloud credentials)"}`,
            `  pipelines from  ${options.pipelineSources.join(", ")}`,
            ...(exampleRepo === undefined
              ? []
              : [
                  `  application     ${application ?? "unknown"} (the stable address: each deploy moves it to a new server)`,
                  ...instanceWarning(),
                  "",
                  "Every commit to the example is tested, packaged, published and deployed. Change the page:",
                  `  cd ${exampleRepo} && sed -i 's|<p>.*</p>|<p>My first change.</p>|' src/public/index.html && git commit -qam "Change the page"`,
                  `then watch it in the web UI, or: ${fawkesCommand(context.mainScript)} status dummy-application`,
                ]),
            ...(server.initialAccessKey
              ? ["", ...initialAccessKeyLines(server.initialAccessKey, credentialsPath(io.env))]
              : []),
            ...(server.initialAdminLogin
              ? ["", ...initialAdminLoginLines(server.initialAdminLogin, server.url)]
              : []),
            "",
            "Press Ctrl-C to stop.",
            "",
          ].join("\n"),
        );
        await untilSignal();
        io.out("stopping agents and server…\n");
      } finally {
        await supervisor?.stop();
        await server.close();
      }
    });
}

/** Phoenix servers need root (namespaces, overlay mounts): without it the deploy stage fails, so say so first. */
function instanceWarning(): string[] {
  if (process.getuid?.() !== 0)
    return [
      "  note            not running as root: the deploy stage will fail (phoenix servers need namespaces and",
      "                  overlay mounts); stop and run `sudo npm start` to deploy (docs/instances.md#requirements)",
    ];
  return [];
}

/**
 * How to call this checkout's CLI from any directory: `npx fawkes` inside the example repository would look in
 * the example's own package, and the npm registry, not here.
 */
function fawkesCommand(mainScript: string): string {
  const bin = join(resolve(dirname(mainScript), "../../.."), "node_modules", ".bin", "fawkes");
  return existsSync(bin) ? bin : "npx fawkes";
}
