/** Instant triggers: `fawkes notify URL` (authenticated) and git provider webhooks (public, HMAC-verified). */
import { ApiRoutes, ErrorCode, FawkesError, NotifyRequest, NotifyResponse } from "@fawkes/protocol";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { WebhookPayload } from "../materials/webhook-payloads.ts";
import type { Engine } from "../engine/engine.ts";
import { parseWebhook, sameRepo, verifyWebhookSignature } from "../materials/index.ts";
import { auditTarget, recordAudit } from "../services/audit.ts";
import { auditOrigin } from "./audit-origin.ts";
import type { RouteRegistry } from "./registry.ts";

async function notifyUrl(
  engine: Engine,
  url: string,
  branch: string | null,
): Promise<{ materials: number; configSources: number }> {
  const isConfigSource = engine.config.notify(url);
  if (isConfigSource) await engine.config.reload();
  const materials = engine.watcher.notifyUrl(url, branch);
  engine.ctx.log.info({ materials, configSource: isConfigSource }, "material notify");
  return { materials, configSources: isConfigSource ? 1 : 0 };
}

export function materialRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.notify,
      summary: "Check the git materials with this URL now",
      tag: "materials",
      access: "user",
      permission: "operate",
      body: NotifyRequest,
      response: NotifyResponse,
    },
    async (request, _reply, body) => {
      const checked = await notifyUrl(engine, body.url, body.branch ?? null);
      // A notify that names no configured repository changes nothing: no entry.
      if (checked.materials + checked.configSources > 0)
        await recordAudit(engine.ctx.db, {
          ...auditOrigin(request),
          action: "material.notify",
          target: auditTarget.material(body.url),
          details: { branch: body.branch ?? null, ...checked },
          at: engine.ctx.now(),
        });
      return checked;
    },
  );
}

/** Registered in its own encapsulated scope so JSON bodies stay raw bytes for the signature check. */
export function webhookRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  app.addContentTypeParser(
    ["application/json", "application/x-www-form-urlencoded", "text/plain"],
    { parseAs: "buffer", bodyLimit: 1_048_576 },
    (_req, body, done) => done(null, body),
  );
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1_048_576 }, (_req, body, done) =>
    done(null, body),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.webhook,
      summary: "GitHub, GitLab, Gitea or generic push webhook",
      tag: "materials",
      access: "public",
      documentedBody: WebhookPayload,
      status: 202,
      response: z.object({ materials: z.number().int() }),
    },
    async (request) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const hook = parseWebhook(request.headers, raw);
      const secrets = engine.config
        .snapshot()
        .pipelines.flatMap((p) => p.materials)
        .flatMap((m) =>
          m.type === "git" && m.webhookSecret && hook.urls.some((url) => sameRepo(url, m.url))
            ? [m.webhookSecret]
            : [],
        );
      if (secrets.length > 0 && !verifyWebhookSignature(hook.provider, request.headers, raw, secrets)) {
        throw new FawkesError(
          ErrorCode.webhookSignature,
          `the ${hook.provider} webhook signature does not match the material's webhook_secret`,
        );
      }
      let materials = 0;
      for (const url of hook.urls) materials += (await notifyUrl(engine, url, hook.branch)).materials;
      return { materials };
    },
  );
}
