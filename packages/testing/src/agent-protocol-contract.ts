/**
 * The agent protocol as a table of exchanges, played against any server that claims to speak it: the real
 * server and the agent tests' fake server both must produce `agentProtocolContract`, so the fake cannot drift
 * from the real one unnoticed.
 */
import { createHash } from "node:crypto";
import { AGENT_PROTOCOL_VERSION, AgentHeader, ErrorCode } from "@fawkes/protocol";

/** A server under contract. */
export interface ContractTarget {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** A registration key that registers agents enabled. */
  key: string;
  /** Make one job available to the next agent asking for work (the agent registers before this is called). */
  scheduleJob(): Promise<void>;
}

/** What one exchange produced: status, problem code and the sorted top-level keys of a JSON answer. */
export interface ContractOutcome {
  step: string;
  status: number;
  code?: string;
  keys?: string[];
}

const registerKeys = ["agentId", "heartbeatIntervalMs", "revokedLeases:0", "state", "token"];

/** The outcomes every agent-protocol server must produce, in order. */
export const agentProtocolContract: readonly ContractOutcome[] = [
  { step: "register", status: 200, keys: registerKeys },
  // An identity that does not authenticate is refused as such (the agent then registers without it) ...
  { step: "register again with the wrong token", status: 401, code: ErrorCode.agentIdentityUnknown },
  // ... and a fresh registration under a name a record holds is refused: names cannot be taken over.
  { step: "register afresh under a taken name", status: 409, code: ErrorCode.agentNameTaken },
  { step: "register again with the saved identity", status: 200, keys: registerKeys },
  { step: "work with an unknown token", status: 401, code: ErrorCode.unauthorized },
  { step: "work", status: 200, keys: ["job"] },
  { step: "heartbeat while building", status: 200, keys: ["revokedLeases:0", "state"] },
  { step: "state", status: 204 },
  { step: "console", status: 204 },
  { step: "artifact", status: 200 },
  { step: "artifact with a wrong checksum", status: 400, code: ErrorCode.checksumMismatch },
  { step: "state under a stale lease", status: 409, code: ErrorCode.leaseLost },
  { step: "complete", status: 204 },
  { step: "state after complete", status: 409, code: ErrorCode.leaseLost },
  { step: "heartbeat with the finished lease", status: 200, keys: ["revokedLeases:1", "state"] },
];

/** Plays the contract's exchanges against `target` and returns what it answered. */
export async function playAgentProtocolContract(target: ContractTarget): Promise<ContractOutcome[]> {
  const outcomes: ContractOutcome[] = [];
  const call = async (step: string, path: string, init: RequestInit): Promise<unknown> => {
    const answer = await fetch(target.url + path, init);
    const text = await answer.text();
    const outcome: ContractOutcome = { step, status: answer.status };
    let body: unknown;
    if (text !== "" && (answer.headers.get("content-type") ?? "").includes("json")) {
      body = JSON.parse(text) as unknown;
      const record = body as Record<string, unknown>;
      if (answer.status >= 400) outcome.code = String(record.code);
      else if (step !== "artifact") outcome.keys = shapeOf(record);
    }
    outcomes.push(outcome);
    return body;
  };
  const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

  const registration = {
    protocolVersion: AGENT_PROTOCOL_VERSION,
    key: target.key,
    name: "contract-agent",
    hostname: "contract-agent",
    resources: [],
  };
  const registered = (await call("register", "/agent/v1/register", json(registration))) as {
    agentId: string;
    token: string;
  };
  await call(
    "register again with the wrong token",
    "/agent/v1/register",
    json({ ...registration, agentId: registered.agentId, token: "not-the-token" }),
  );
  await call("register afresh under a taken name", "/agent/v1/register", json(registration));
  // Idempotent: the token stays the one the agent holds (the calls below still use it).
  await call(
    "register again with the saved identity",
    "/agent/v1/register",
    json({ ...registration, agentId: registered.agentId, token: registered.token }),
  );
  const auth = { authorization: `Bearer ${registered.token}` };
  await call(
    "work with an unknown token",
    "/agent/v1/work",
    json({ waitMs: 0 }, { authorization: "Bearer nope" }),
  );

  await target.scheduleJob();
  const work = (await call("work", "/agent/v1/work", json({ waitMs: 10_000 }, auth))) as {
    job: { jobRunId: number; leaseId: string } | null;
  };
  if (work.job === null) throw new Error("the contract target offered no job to work on");
  const { jobRunId, leaseId } = work.job;
  const jobPath = `/agent/v1/jobs/${jobRunId}`;
  const held = { ...auth, [AgentHeader.lease]: leaseId };

  await call("heartbeat while building", "/agent/v1/heartbeat", json({ runningLeases: [leaseId] }, auth));
  await call("state", `${jobPath}/state`, json({ state: "building" }, held));
  await call("console", `${jobPath}/console`, {
    method: "POST",
    headers: { ...held, "content-type": "text/plain", [AgentHeader.consoleTime]: String(Date.now()) },
    body: "contract line\n",
  });
  const artifact = Buffer.from("contract artifact\n");
  const upload = (sha256: string): RequestInit => ({
    method: "PUT",
    headers: { ...held, "content-type": "application/octet-stream", [AgentHeader.sha256]: sha256 },
    body: artifact,
  });
  await call("artifact", `${jobPath}/artifacts/out/contract.txt`, upload(sha256Of(artifact)));
  await call(
    "artifact with a wrong checksum",
    `${jobPath}/artifacts/out/bad.txt`,
    upload(sha256Of(Buffer.from("x"))),
  );
  await call(
    "state under a stale lease",
    `${jobPath}/state`,
    json({ state: "building" }, { ...held, [AgentHeader.lease]: `${leaseId}-stale` }),
  );
  await call("complete", `${jobPath}/complete`, json({ result: "passed" }, held));
  await call("state after complete", `${jobPath}/state`, json({ state: "building" }, held));
  await call(
    "heartbeat with the finished lease",
    "/agent/v1/heartbeat",
    json({ runningLeases: [leaseId] }, auth),
  );
  return outcomes;
}

/** Sorted top-level keys; an array value also gives its length ("revokedLeases:1"). */
function shapeOf(record: Record<string, unknown>): string[] {
  return Object.entries(record)
    .map(([key, value]) => (Array.isArray(value) ? `${key}:${value.length}` : key))
    .sort();
}

function sha256Of(body: Buffer): string {
  return createHash("sha256").update(body).digest("hex");
}
