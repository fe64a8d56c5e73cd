/**
 * What the git webhook accepts, as schemas for the OpenAPI document. The route reads the body as raw bytes (a
 * provider's signature is over them) and `parseWebhook` (webhooks.ts) decides; these say the same for clients.
 */
import { z } from "zod";

const url = z.string().describe("a repository URL a material is configured with");
const ref = z.string().describe("refs/heads/BRANCH: only materials of that branch are polled");

const GitHubOrGiteaPush = z
  .object({
    ref: ref.optional(),
    repository: z
      .object({ clone_url: url, ssh_url: url, html_url: url, git_url: url })
      .partial()
      .describe("at least one URL"),
  })
  .describe(
    "GitHub or Gitea/Forgejo/Gogs push (X-GitHub-Event or X-Gitea-Event: push; other events are accepted and " +
      "ignored). GitHub's form-encoded delivery (a `payload` field holding this JSON) is accepted too.",
  );

const GitLabPush = z
  .object({
    ref: ref.optional(),
    project: z.object({ git_http_url: url, git_ssh_url: url, web_url: url }).partial(),
    repository: z.object({ git_http_url: url, git_ssh_url: url, homepage: url }).partial().optional(),
  })
  .describe("GitLab push or tag push (X-Gitlab-Event: Push Hook or Tag Push Hook); at least one URL");

const GenericPush = z
  .object({ url, branch: z.string().optional().describe("BRANCH or refs/heads/BRANCH") })
  .describe("Any other sender (no provider header): the repository that changed");

export const WebhookPayload = z.union([GitHubOrGiteaPush, GitLabPush, GenericPush]);
