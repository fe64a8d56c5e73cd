/**
 * `fawkes up`'s infrastructure for the bundled example: the stack `infrastructure` made from the
 * example repository's `infrastructure.yaml` (the builds bucket, the CI role the pipeline's publish and deploy
 * stages run under, the app servers' role, the stable address). Created once, before any agent starts, so the
 * first run finds everything it needs; later starts reuse it as it is.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, type StackDetailsDto } from "@fawkes/protocol";
import type { FawkesClient } from "./client.ts";
import { CliError } from "./errors.ts";
import { bundledExampleDir } from "./example-repo.ts";

export const INFRA_STACK = "infrastructure";
export const INFRA_TEMPLATE = "infrastructure.yaml";
/** How often the stack's events are read while it is being made (it takes about a second). */
const POLL_MS = 200;

const isInProgress = (status: string) => status.endsWith("_IN_PROGRESS");
const isUsable = (status: string) => status === "CREATE_COMPLETE" || status === "UPDATE_COMPLETE";

async function liveStack(client: FawkesClient, name: string): Promise<StackDetailsDto | undefined> {
  try {
    return await client.stack(name);
  } catch (error) {
    if (error instanceof CliError && error.code === ErrorCode.stackNotFound) return undefined;
    throw error;
  }
}

/** Prints each event of the stack as it happens (`say`), until no operation is in progress. */
async function follow(
  client: FawkesClient,
  name: string,
  say: (line: string) => void,
): Promise<StackDetailsDto> {
  let after: number | undefined;
  for (;;) {
    const stack = await client.stack(name);
    for (const event of (await client.stackEvents(name, after)).events) {
      after = event.id;
      const reason = event.statusReason === null ? "" : `  ${event.statusReason}`;
      say(`  ${event.logicalId.padEnd(24)} ${event.status}${reason}`);
    }
    if (!isInProgress(stack.status)) return stack;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The example's infrastructure stack, created from `<repo>/infrastructure.yaml` when there is none. */
export async function ensureExampleInfrastructure(
  client: FawkesClient,
  repo: string,
  say: (line: string) => void,
): Promise<StackDetailsDto> {
  let stack = await liveStack(client, INFRA_STACK);
  if (stack === undefined) {
    // An example repository made by an older Fawkes has no template: the bundled one is the same stack.
    const template = [repo, bundledExampleDir].map((dir) => join(dir, INFRA_TEMPLATE)).find(existsSync);
    if (template === undefined) throw new CliError(`no ${INFRA_TEMPLATE} in ${repo} or ${bundledExampleDir}`);
    say(`creating the stack ${INFRA_STACK} from ${template}:`);
    await client.createStack({
      name: INFRA_STACK,
      templateBody: readFileSync(template, "utf8"),
      parameters: {},
      capabilities: ["CAPABILITY_NAMED_IAM"],
    });
    stack = await follow(client, INFRA_STACK, say);
  } else if (isInProgress(stack.status)) {
    say(`waiting for the stack ${INFRA_STACK} (${stack.status}):`);
    stack = await follow(client, INFRA_STACK, say);
  }
  if (!isUsable(stack.status))
    throw new CliError(
      `the example's infrastructure stack ${INFRA_STACK} is ${stack.status}` +
        (stack.statusReason === null ? "" : `: ${stack.statusReason}`),
      {
        hint:
          `see why with \`fawkes stack events ${INFRA_STACK}\`, then delete it ` +
          `(\`fawkes stack delete ${INFRA_STACK} --wait\`) and start again`,
      },
    );
  return stack;
}

/** The stable address the example's builds are served at (the stack's `PublicIp` output), as a URL. */
export function applicationUrl(stack: StackDetailsDto): string | undefined {
  const address = stack.outputs.find((output) => output.key === "PublicIp")?.value;
  return address === undefined ? undefined : `http://${address}:8080/`;
}
