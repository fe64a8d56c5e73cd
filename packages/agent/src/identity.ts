import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** What the agent keeps between restarts so it re-registers as the same agent record. */
export interface AgentIdentity {
  agentId: string;
  token: string;
  /**
   * When the server issued `token` (epoch ms): its registration or its last rotation. Absent in a file written
   * before rotation existed (the token's age is unknown: it is rotated at once).
   */
  tokenIssuedAt?: number;
}

const fileName = "agent.json";

/** Reads `<workDir>/agent.json`; undefined when absent or unreadable (the agent then registers afresh). */
export async function loadIdentity(workDir: string): Promise<AgentIdentity | undefined> {
  let text: string;
  try {
    text = await readFile(join(workDir, fileName), "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<AgentIdentity>;
    if (typeof parsed.agentId === "string" && typeof parsed.token === "string") {
      return {
        agentId: parsed.agentId,
        token: parsed.token,
        ...(Number.isFinite(parsed.tokenIssuedAt) && { tokenIssuedAt: parsed.tokenIssuedAt }),
      };
    }
  } catch {
    // A corrupt file is treated as no identity.
  }
  return undefined;
}

/**
 * Writes the identity with mode 0600 (it holds the agent's token), atomically through a rename: a crash leaves
 * the previous file or the new one, never a torn one (a rotation's previous token is still good for its grace).
 */
export async function saveIdentity(workDir: string, identity: AgentIdentity): Promise<void> {
  await mkdir(workDir, { recursive: true });
  const target = join(workDir, fileName);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(identity) + "\n", { mode: 0o600 });
  await rename(temp, target);
}
