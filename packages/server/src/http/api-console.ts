/** Console logs (whole, from an offset, or followed live) and artifacts of a job run. */
import { Readable } from "node:stream";
import { ApiRoutes, ArtifactManifest, ErrorCode, FawkesError, type JobLocator } from "@fawkes/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../engine/engine.ts";
import { requireRun } from "../services/pipeline-status.ts";
import { jobRunsOfStages, stageRunsOfRun } from "../store/stages-repo.ts";
import { intParam } from "./problem.ts";
import type { RouteRegistry } from "./registry.ts";

async function resolveJob(
  engine: Engine,
  request: FastifyRequest,
): Promise<{ locator: JobLocator; completed: boolean }> {
  const p = request.params as Record<string, string>;
  const run = await requireRun(engine.ctx, p.name ?? "", intParam(p.counter ?? "", "counter"));
  const stages = (await stageRunsOfRun(engine.ctx.db, run.id)).filter((s) => s.name === p.stage);
  const stage =
    p.stageCounter === "latest"
      ? stages.at(-1)
      : stages.find((s) => s.counter === intParam(p.stageCounter ?? "", "stage counter"));
  if (!stage)
    throw new FawkesError(
      ErrorCode.stageNotFound,
      `stage ${p.stage}/${p.stageCounter} has not run in ${run.pipeline}/${run.counter}`,
    );
  const job = (await jobRunsOfStages(engine.ctx.db, [stage.id])).find((j) => j.name === p.job);
  if (!job) throw new FawkesError(ErrorCode.jobNotFound, `stage ${stage.name} has no job ${p.job}`);
  return {
    locator: {
      pipeline: run.pipeline,
      counter: run.counter,
      stage: stage.name,
      stageCounter: stage.counter,
      job: job.name,
    },
    completed: job.state === "completed",
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");
const clock = (time: number): string => {
  const d = new Date(time);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
};

/** Live bytes with each new line prefixed by its arrival time. */
async function* stampLive(chunks: AsyncIterable<Buffer>, atLineStart: boolean): AsyncGenerator<Buffer> {
  let lineStart = atLineStart;
  for await (const chunk of chunks) {
    const stamp = Buffer.from(clock(Date.now()) + " ");
    const parts: Buffer[] = [];
    let from = 0;
    while (from < chunk.length) {
      if (lineStart) parts.push(stamp);
      const newline = chunk.indexOf(10, from);
      const end = newline < 0 ? chunk.length : newline + 1;
      parts.push(chunk.subarray(from, end));
      lineStart = newline >= 0;
      from = end;
    }
    yield Buffer.concat(parts);
  }
}

export function consoleRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  const tag = "console";
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.console,
      summary: "A job's console log (text); follow=true streams until the job completes",
      tag,
      access: "user",
      permission: "view",
      scope: "pipeline",
      produces: "text/plain",
    },
    async (request, reply) => {
      const { locator, completed } = await resolveJob(engine, request);
      const query = request.query as Record<string, string | undefined>;
      const offset = Math.max(0, Number(query.offset ?? 0) || 0);
      const timestamps = query.timestamps !== "false";
      const follow = query.follow === "true" && !completed;
      reply.type("text/plain; charset=utf-8").header("cache-control", "no-store");
      if (!follow) {
        return reply.send(
          timestamps
            ? await engine.consoles.readTimestamped(locator, offset)
            : await engine.consoles.readRaw(locator, offset),
        );
      }
      // The response's "close": the client went away or the log ended (the request's fires once it is read).
      const abort = new AbortController();
      reply.raw.once("close", () => abort.abort());
      const live = engine.consoles.follow(locator, offset, abort.signal);
      return reply.send(Readable.from(timestamps ? stampLive(live, true) : live));
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.artifacts,
      summary: "List a job's artifacts",
      tag: "artifacts",
      access: "user",
      permission: "view",
      scope: "pipeline",
      response: ArtifactManifest,
    },
    async (request) => {
      const { locator } = await resolveJob(engine, request);
      return { files: await engine.artifacts.list(locator, "") };
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.artifactFile,
      summary: "Download one artifact file",
      tag: "artifacts",
      access: "user",
      permission: "view",
      scope: "pipeline",
      produces: "application/octet-stream",
    },
    async (request, reply) => {
      const { locator } = await resolveJob(engine, request);
      const rel = (request.params as Record<string, string>)["*"] ?? "";
      const stat = await engine.artifacts.stat(locator, rel);
      if (!stat) throw new FawkesError(ErrorCode.artifactNotFound, `no artifact ${rel}`);
      reply
        .type("application/octet-stream")
        .header("content-length", stat.size)
        .header("x-fawkes-sha256", stat.sha256);
      return reply.send(await engine.artifacts.createReadStream(locator, rel));
    },
  );
}
