/** Pipelines and runs: status, trigger, pause, approve, cancel, rerun. */
import {
  ApiRoutes,
  PauseRequest,
  PipelineListDto,
  PipelineRunDto,
  PipelineStatusDto,
  RerunRequest,
  RerunResponse,
  TriggerRequest,
  TriggerResponse,
  ConfigHealthDto,
  RunChangesDto,
  VsmDto,
} from "@fawkes/protocol";
import type { FastifyInstance } from "fastify";
import type { Engine } from "../engine/engine.ts";
import { approveStage } from "../services/approve-stage.ts";
import { cancelRun } from "../services/cancel-run.ts";
import { pausePipeline, unpausePipeline } from "../services/pause-pipeline.ts";
import { PipelineListCache } from "../services/pipeline-list-cache.ts";
import { pipelineStatus, requireRun, runDtos } from "../services/pipeline-status.ts";
import { rerunStage } from "../services/rerun-stage.ts";
import { runChanges } from "../services/run-changes.ts";
import { valueStreamMap } from "../services/value-stream-map.ts";
import { auditOrigin } from "./audit-origin.ts";
import { intParam } from "./problem.ts";
import type { RouteRegistry } from "./registry.ts";

type Params = Record<string, string>;

export function pipelineRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  const tag = "pipelines";
  const pipelineList = new PipelineListCache(engine);
  app.addHook("onClose", async () => pipelineList.close());
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.pipelines,
      summary: "List pipelines with their latest run",
      tag,
      access: "user",
      permission: "view",
      response: PipelineListDto,
    },
    async (_request, reply) => {
      reply.type("application/json; charset=utf-8");
      return pipelineList.json();
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.pipelineStatus,
      summary: "A pipeline's runs, newest first",
      tag,
      access: "user",
      permission: "view",
      scope: "pipeline",
      response: PipelineStatusDto,
    },
    async (request) => {
      const { name } = request.params as Params;
      const query = request.query as Record<string, string | undefined>;
      const limit = Math.min(500, query.limit ? intParam(query.limit, "limit") : 20);
      const offset = query.offset ? Math.max(0, Number(query.offset) || 0) : 0;
      return pipelineStatus(engine, name ?? "", limit, offset);
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.trigger,
      summary: "Start a run now",
      tag,
      access: "user",
      permission: "operate",
      scope: "pipeline",
      body: TriggerRequest,
      response: TriggerResponse,
      status: 202,
    },
    async (request, _reply, body) => {
      const { name } = request.params as Params;
      const run = await engine.triggers.triggerManual(name ?? "", body, auditOrigin(request));
      return { pipeline: run.pipeline, counter: run.counter, label: run.label };
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.pause,
      summary: "Pause a pipeline",
      tag,
      access: "user",
      permission: "operate",
      scope: "pipeline",
      body: PauseRequest,
    },
    async (request, _reply, body) => {
      await pausePipeline(engine, (request.params as Params).name ?? "", body.reason, auditOrigin(request));
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.unpause,
      summary: "Unpause a pipeline",
      tag,
      access: "user",
      permission: "operate",
      scope: "pipeline",
    },
    async (request) => {
      await unpausePipeline(engine, (request.params as Params).name ?? "", auditOrigin(request));
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.run,
      summary: "One run",
      tag,
      access: "user",
      permission: "view",
      scope: "pipeline",
      response: PipelineRunDto,
    },
    async (request) => {
      const { name, counter } = request.params as Params;
      const run = await requireRun(engine.ctx, name ?? "", intParam(counter ?? "", "counter"));
      return (await runDtos(engine, [run]))[0];
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.runChanges,
      summary: "Commits since the previous run, per material",
      tag,
      access: "user",
      permission: "view",
      scope: "pipeline",
      response: RunChangesDto,
    },
    async (request) => {
      const { name, counter } = request.params as Params;
      return runChanges(engine, name ?? "", intParam(counter ?? "", "counter"));
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.vsm,
      summary: "Value stream map of a run",
      tag,
      access: "user",
      permission: "view",
      scope: "pipeline",
      response: VsmDto,
    },
    async (request) => {
      const { name, counter } = request.params as Params;
      return valueStreamMap(engine, name ?? "", intParam(counter ?? "", "counter"));
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.cancelRun,
      summary: "Cancel a run",
      tag,
      access: "user",
      permission: "operate",
      scope: "pipeline",
    },
    async (request) => {
      const { name, counter } = request.params as Params;
      await cancelRun(engine, name ?? "", intParam(counter ?? "", "counter"), null, auditOrigin(request));
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.cancelStage,
      summary: "Cancel a stage",
      tag,
      access: "user",
      permission: "operate",
      scope: "pipeline",
    },
    async (request) => {
      const { name, counter, stage } = request.params as Params;
      await cancelRun(
        engine,
        name ?? "",
        intParam(counter ?? "", "counter"),
        stage ?? "",
        auditOrigin(request),
      );
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.approve,
      summary: "Approve a stage waiting for manual approval",
      tag,
      access: "user",
      permission: "operate",
      scope: "pipeline",
    },
    async (request) => {
      const { name, counter, stage } = request.params as Params;
      await approveStage(
        engine,
        name ?? "",
        intParam(counter ?? "", "counter"),
        stage ?? "",
        auditOrigin(request),
      );
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.rerun,
      summary: "Rerun a stage",
      tag,
      access: "user",
      permission: "operate",
      scope: "pipeline",
      body: RerunRequest,
      response: RerunResponse,
      status: 202,
    },
    async (request, _reply, body) => {
      const { name, counter, stage } = request.params as Params;
      const stageRun = await rerunStage(
        engine,
        name ?? "",
        intParam(counter ?? "", "counter"),
        stage ?? "",
        body.jobs,
        auditOrigin(request),
      );
      return { stage: stageRun.name, counter: stageRun.counter };
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.configErrors,
      summary: "Config errors of every source",
      tag: "config",
      access: "user",
      permission: "view",
      response: ConfigHealthDto,
    },
    async () => ({
      errors: engine.config.issues(),
    }),
  );
}
