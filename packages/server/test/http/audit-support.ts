/**
 * Shared by the audit log's HTTP tests: a server with pipeline `demo` (a secure variable, a credentialed git
 * material, a manual second stage), and small clients for the API and the audit log.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import {
  ApiRoutes,
  apiPath,
  type AuditEntryDto,
  type AuditListDto,
  type PipelineStatusDto,
} from "@fawkes/protocol";
import { createGitRepo, waitFor, writePipelineDir, yamlString } from "@fawkes/testing";
import type { KyselyPlugin } from "kysely";
import { startHttpServer, type HttpServer } from "./http-server.ts";

export const secrets = {
  secure: `secure-${randomBytes(8).toString("hex")}`,
  trigger: `trigger-${randomBytes(8).toString("hex")}`,
  password: `pw${randomBytes(8).toString("hex")}`,
};

const pipelineYaml = (url: string): string => `
format_version: 10
pipelines:
  demo:
    group: audit
    secure_variables:
      SECRET_VAR: ${yamlString(secrets.secure)}
    environment_variables:
      PLAIN_VAR: plain
    materials:
      src:
        git: ${yamlString(url)}
        branch: main
        auto_update: false
    stages:
      - build:
          jobs:
            compile:
              tasks:
                - exec:
                    command: "true"
      - ship:
          approval: manual
          jobs:
            deploy:
              tasks:
                - exec:
                    command: "true"
`;

export interface Started {
  server: HttpServer;
  repoUrl: string;
  configDir: string;
}

export async function startWithDemo(t: TestContext, plugins: KyselyPlugin[] = []): Promise<Started> {
  const repo = await createGitRepo(t, { "README.md": "audited\n" });
  // git takes user info in a file:// URL with the host `localhost`: a real credentialed material.
  const repoUrl = `file://deploy:${secrets.password}@localhost${repo.path}`;
  const configDir = await writePipelineDir(t, { "demo.gocd.yaml": pipelineYaml(repoUrl) });
  const server = await startHttpServer(t, { pipelineSources: [configDir], plugins });
  await waitFor(async () => (await call(server, "GET", ApiRoutes.pipelines)).text.includes('"demo"'), {
    message: "pipeline demo to load",
  });
  return { server, repoUrl, configDir };
}

export interface Answer {
  status: number;
  text: string;
}

export async function call(
  server: HttpServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(server.url + path, {
    method,
    headers: {
      authorization: `Bearer ${server.keys.apiToken}`,
      ...(body !== undefined && { "content-type": "application/json" }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

export async function ok(server: HttpServer, method: string, path: string, body?: unknown): Promise<string> {
  const answer = await call(server, method, path, body);
  assert.ok(
    answer.status >= 200 && answer.status < 300,
    `${method} ${path}: ${answer.status} ${answer.text}`,
  );
  return answer.text;
}

export async function auditPage(server: HttpServer, query = ""): Promise<AuditListDto> {
  return JSON.parse(await ok(server, "GET", `${ApiRoutes.audit}${query}`)) as AuditListDto;
}

/** Every entry, oldest first, paging through the API. */
export async function allEntries(server: HttpServer): Promise<AuditEntryDto[]> {
  const entries: AuditEntryDto[] = [];
  let before: number | null = null;
  do {
    const page: AuditListDto = await auditPage(
      server,
      `?limit=500${before === null ? "" : `&before=${before}`}`,
    );
    entries.push(...page.entries);
    before = page.next;
  } while (before !== null);
  return entries.reverse();
}

export const summary = (entry: AuditEntryDto): string =>
  `${entry.action} ${entry.actor.kind}:${entry.actor.name} ${entry.target}`;

export const stagePath = (route: string, stage: string, counter = 1): string =>
  apiPath(route, { name: "demo", counter, stage });

export async function runResult(server: HttpServer): Promise<PipelineStatusDto["runs"][number] | undefined> {
  const status = JSON.parse(
    await ok(server, "GET", apiPath(ApiRoutes.pipelineStatus, { name: "demo" })),
  ) as PipelineStatusDto;
  return status.runs[0];
}
