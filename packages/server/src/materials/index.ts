// The material layer: git access, webhook parsing, change detection and config repositories. No database.
export { runGit, runGitRaw, lsRemote, remoteDefaultBranch, assertGitUrl, assertBranchName } from "./git.ts";
export type { RunGitOptions, GitResult, GitRawResult, LsRemoteOptions } from "./git.ts";
export { GitMirror, MirrorRepo, isBareRepo } from "./git-mirror.ts";
export type { GitMirrorOptions, MaterialCommit, RepoFile } from "./git-mirror.ts";
export { redactUrl, splitCredentials } from "./redact.ts";
export type { UrlCredentials } from "./redact.ts";
export { normalizeRepoUrl, sameRepo } from "./url-match.ts";
export { shouldTrigger } from "./filters.ts";
export type { MaterialFilter } from "./filters.ts";
export { parseWebhook, detectProvider, verifyWebhookSignature } from "./webhooks.ts";
export type { ParsedWebhook, WebhookProvider, WebhookHeaders, ParseWebhookOptions } from "./webhooks.ts";
export { MaterialWatcher } from "./watcher.ts";
export type { WatchedMaterial, MaterialLogger, MaterialWatcherOptions } from "./watcher.ts";
export { readConfigSource, isPipelineFile } from "./config-source.ts";
export type { ConfigSourceSnapshot, ReadConfigSourceOptions } from "./config-source.ts";
