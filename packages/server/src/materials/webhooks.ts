import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ErrorCode, FawkesError } from "@fawkes/protocol";

export type WebhookProvider = "github" | "gitlab" | "gitea" | "generic";

export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** What a push notification says: which repository (every URL it gave for it) and which branch moved. */
export interface ParsedWebhook {
  provider: WebhookProvider;
  /** Every URL the payload names the repository by; empty for events that move nothing (ping, …). */
  urls: string[];
  /** The pushed branch; null for tag pushes, and when the payload names none (check every branch). */
  branch: string | null;
  /** The provider's event name (`push`, `ping`, `Push Hook`, …). */
  event: string;
}

export interface ParseWebhookOptions {
  /** Larger bodies are rejected. @default 1048576 */
  maxBytes?: number;
}

const maxUrlLength = 2048;

/**
 * Reads a push notification from GitHub, GitLab, Gitea/Forgejo (told apart by their event header) or the
 * generic form `{"url": "...", "branch": "..."}` (no provider header). Anything malformed throws
 * FAWKES_WEBHOOK_PAYLOAD_INVALID (400) with a message saying what is wrong.
 */
export function parseWebhook(
  headers: WebhookHeaders,
  rawBody: Buffer,
  options: ParseWebhookOptions = {},
): ParsedWebhook {
  const maxBytes = options.maxBytes ?? 1_048_576;
  if (rawBody.length > maxBytes)
    invalid(`body of ${rawBody.length} bytes exceeds the limit of ${maxBytes} bytes`);
  const provider = detectProvider(headers);
  const event = providerEvent(provider, headers);
  const body = parseBody(headers, rawBody);
  switch (provider) {
    case "github":
      return fromGitHubLike("github", event, body, ["clone_url", "ssh_url", "html_url", "git_url"]);
    case "gitea":
      return fromGitHubLike("gitea", event, body, ["clone_url", "ssh_url", "html_url"]);
    case "gitlab":
      return fromGitLab(event, body);
    case "generic":
      return fromGeneric(body);
  }
}

/** The provider whose event header is present; Gitea also sends GitHub's headers, so it is checked first. */
export function detectProvider(headers: WebhookHeaders): WebhookProvider {
  if (
    header(headers, "x-gitea-event") ??
    header(headers, "x-forgejo-event") ??
    header(headers, "x-gogs-event")
  ) {
    return "gitea";
  }
  if (header(headers, "x-gitlab-event")) return "gitlab";
  if (header(headers, "x-github-event")) return "github";
  return "generic";
}

function providerEvent(provider: WebhookProvider, headers: WebhookHeaders): string {
  switch (provider) {
    case "gitea":
      return (header(headers, "x-gitea-event") ??
        header(headers, "x-forgejo-event") ??
        header(headers, "x-gogs-event"))!;
    case "gitlab":
      return header(headers, "x-gitlab-event")!;
    case "github":
      return header(headers, "x-github-event")!;
    case "generic":
      return "push";
  }
}

function parseBody(headers: WebhookHeaders, rawBody: Buffer): Record<string, unknown> {
  let text = rawBody.toString("utf8");
  // GitHub can deliver as application/x-www-form-urlencoded with the JSON in a `payload` field.
  if ((header(headers, "content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    const payload = new URLSearchParams(text).get("payload");
    if (payload === null) invalid("form-encoded body has no payload field");
    text = payload;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    invalid(`body is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(body)) invalid("body must be a JSON object");
  return body;
}

function fromGitHubLike(
  provider: "github" | "gitea",
  event: string,
  body: Record<string, unknown>,
  urlFields: readonly string[],
): ParsedWebhook {
  if (event !== "push") return { provider, urls: [], branch: null, event };
  const repository = objectField(body, "repository");
  const urls = collectUrls(repository, urlFields, "repository");
  if (urls.length === 0)
    invalid("push payload names no repository url (repository.clone_url, ssh_url, html_url)");
  return { provider, urls, branch: branchOf(body), event };
}

function fromGitLab(event: string, body: Record<string, unknown>): ParsedWebhook {
  if (event !== "Push Hook" && event !== "Tag Push Hook")
    return { provider: "gitlab", urls: [], branch: null, event };
  const project = body.project === undefined ? undefined : objectField(body, "project");
  const repository = body.repository === undefined ? undefined : objectField(body, "repository");
  const urls = unique([
    ...collectUrls(project, ["git_http_url", "git_ssh_url", "web_url", "http_url", "ssh_url"], "project"),
    ...collectUrls(repository, ["git_http_url", "git_ssh_url", "homepage", "url"], "repository"),
  ]);
  if (urls.length === 0)
    invalid("push payload names no repository url (project.git_http_url, git_ssh_url, web_url)");
  return { provider: "gitlab", urls, branch: event === "Push Hook" ? branchOf(body) : null, event };
}

function fromGeneric(body: Record<string, unknown>): ParsedWebhook {
  const url = body.url;
  if (typeof url !== "string")
    invalid('generic payload must be {"url": "<repository url>", "branch": "<branch>"}');
  checkUrl(url, "url");
  const branch = body.branch;
  if (branch !== undefined && branch !== null && typeof branch !== "string")
    invalid("branch must be a string");
  const name = typeof branch === "string" && branch.length > 0 ? stripHeads(branch) : null;
  return { provider: "generic", urls: [url], branch: name, event: "push" };
}

/** The branch of `ref: refs/heads/<branch>`; null for tags and other refs. */
function branchOf(body: Record<string, unknown>): string | null {
  const ref = body.ref;
  if (ref === undefined || ref === null) return null;
  if (typeof ref !== "string") invalid("ref must be a string");
  return ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
}

function stripHeads(branch: string): string {
  return branch.startsWith("refs/heads/") ? branch.slice("refs/heads/".length) : branch;
}

function collectUrls(
  source: Record<string, unknown> | undefined,
  fields: readonly string[],
  where: string,
): string[] {
  if (!source) return [];
  const urls: string[] = [];
  for (const field of fields) {
    const value = source[field];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string") invalid(`${where}.${field} must be a string`);
    checkUrl(value, `${where}.${field}`);
    urls.push(value);
  }
  return unique(urls);
}

function checkUrl(url: string, where: string): void {
  // eslint-disable-next-line no-control-regex
  if (url.length === 0 || url.length > maxUrlLength || /[\x00-\x1f\x7f]/.test(url)) {
    invalid(`${where} is not a usable repository url`);
  }
}

function objectField(body: Record<string, unknown>, field: string): Record<string, unknown> {
  const value = body[field];
  if (!isObject(value)) invalid(`${field} must be an object`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function invalid(message: string): never {
  throw new FawkesError(ErrorCode.webhookPayload, `invalid webhook payload: ${message}`);
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}

/**
 * Whether the request was signed with one of `secrets` (several, so a secret can be rotated):
 * GitHub `X-Hub-Signature-256: sha256=<hex>`, Gitea/Forgejo `X-Gitea-Signature` / `X-Forgejo-Signature: <hex>`
 * (or `X-Hub-Signature-256`), GitLab `X-Gitlab-Token: <secret>`, generic `X-Fawkes-Signature-256: sha256=<hex>`;
 * each an HMAC-SHA256 of the raw body. Comparisons are constant-time. With no secrets, nothing verifies.
 */
export function verifyWebhookSignature(
  provider: WebhookProvider,
  headers: WebhookHeaders,
  rawBody: Buffer,
  secrets: readonly string[],
): boolean {
  const usable = secrets.filter((secret) => secret.length > 0);
  if (usable.length === 0) return false;
  if (provider === "gitlab") {
    const token = header(headers, "x-gitlab-token");
    return token !== undefined && usable.some((secret) => equalSecrets(token, secret));
  }
  const signature = signatureOf(provider, headers);
  if (signature === null) return false;
  return usable.some((secret) =>
    equalBytes(signature, createHmac("sha256", secret).update(rawBody).digest()),
  );
}

/** The HMAC the request claims, decoded from hex; null when absent or malformed. */
function signatureOf(provider: WebhookProvider, headers: WebhookHeaders): Buffer | null {
  const prefixed = (value: string | undefined) => (value?.startsWith("sha256=") ? value.slice(7) : undefined);
  let hex: string | undefined;
  if (provider === "github") hex = prefixed(header(headers, "x-hub-signature-256"));
  else if (provider === "gitea") {
    hex =
      header(headers, "x-gitea-signature") ??
      header(headers, "x-forgejo-signature") ??
      prefixed(header(headers, "x-hub-signature-256"));
  } else hex = prefixed(header(headers, "x-fawkes-signature-256"));
  if (hex === undefined || !/^[0-9a-f]{64}$/i.test(hex)) return null;
  return Buffer.from(hex, "hex");
}

function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Compares digests so neither the content nor the length of the secret leaks through timing. */
function equalSecrets(given: string, secret: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return equalBytes(digest(given), digest(secret));
}
