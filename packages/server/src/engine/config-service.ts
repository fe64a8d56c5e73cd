/**
 * Loads pipeline config from every source (local directories and config repositories), parses all files
 * together, and keeps the last valid version of a pipeline whose new version is invalid (reported, not
 * applied). Reloads when a directory changes, when a config repository gets a commit, or on notify. Files are
 * parsed in a child process (config-parser.ts), and a file over the size limit is reported without being read.
 */
import { createHash } from "node:crypto";
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type { ConfigIssue, ConfigSnapshot, EnvironmentConfig, PipelineConfig } from "@fawkes/core";
import type { ConfigIssueDto } from "@fawkes/protocol";
import type { Logger } from "pino";
import { readConfigSource, sameRepo, type GitMirror } from "../materials/index.ts";
import { ConfigParser, type ConfigParserOptions } from "./config-parser.ts";
import type { ConfigView } from "./context.ts";
import type { EventBus } from "./events.ts";

interface SourceFiles {
  source: string;
  local: boolean;
  /** The commit read (a config repository), or null (a local directory). */
  revision: string | null;
  files: { path: string; text: string; size?: number }[];
  error: string | null;
}

/** Issues logged one by one per load; a file with thousands of errors gets a count for the rest. */
const MAX_LOGGED_ISSUES = 100;

const isRemote = (url: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(url) || /^[^/]+@[^/:]+:/.test(url);

export class ConfigService implements ConfigView {
  readonly #sources: readonly string[];
  readonly #mirror: GitMirror;
  readonly #log: Logger;
  readonly #events: EventBus;
  readonly #onChange: () => void;
  readonly #maxFileBytes: number;
  readonly #parser: ConfigParser;
  readonly #onSourcesLoaded: ((sources: LoadedConfigSource[]) => Promise<void>) | undefined;
  #snapshot: ConfigSnapshot = { pipelines: [], environments: [], issues: [] };
  #loaded = false;
  #issues: ConfigIssueDto[] = [];
  /**
   * Issues logged by the last load, keyed by the revision of their source and the issue: a load that finds
   * the same problem at the same revision (a commit reloads the config several times: the notify, the
   * repository watcher, the directory watcher) does not log it again; a new commit that still has it does.
   */
  #logged = new Set<string>();
  /** Pipeline name → the source it was last loaded from. */
  readonly #sourceOf = new Map<string, string>();
  #watchers: FSWatcher[] = [];
  #reloadTimer: NodeJS.Timeout | undefined;
  #loading: Promise<void> | null = null;
  #again = false;

  constructor(options: {
    sources: readonly string[];
    mirror: GitMirror;
    log: Logger;
    events: EventBus;
    onChange: () => void;
    /** Largest config file parsed, in bytes (`--config-max-bytes`). */
    maxFileBytes: number;
    /** Time and memory bounds of the parsing process. */
    parser?: ConfigParserOptions;
    /**
     * Told of every readable source after each load, before the new config applies (the audit log's
     * `config.change`, which records a source only when its revision differs from the last one recorded).
     */
    onSourcesLoaded?: (sources: LoadedConfigSource[]) => Promise<void>;
  }) {
    this.#sources = options.sources;
    this.#mirror = options.mirror;
    this.#log = options.log;
    this.#events = options.events;
    this.#onChange = options.onChange;
    this.#maxFileBytes = options.maxFileBytes;
    this.#parser = new ConfigParser(options.parser);
    this.#onSourcesLoaded = options.onSourcesLoaded;
  }

  snapshot(): ConfigSnapshot {
    return this.#snapshot;
  }

  pipeline(name: string): PipelineConfig | undefined {
    return this.#snapshot.pipelines.find((p) => p.name === name);
  }

  environment(name: string | null): EnvironmentConfig | undefined {
    return name === null ? undefined : this.#snapshot.environments.find((e) => e.name === name);
  }

  loaded(): boolean {
    return this.#loaded;
  }

  issues(): ConfigIssueDto[] {
    return this.#issues;
  }

  /** Git URLs of config repositories, watched for commits like materials. */
  repositorySources(): string[] {
    return this.#sources.filter((s) => isRemote(s) || !path.isAbsolute(s));
  }

  /** Reloads now; concurrent calls coalesce into one more load after the running one. */
  reload(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      do {
        this.#again = false;
        await this.#load().catch((error: unknown) => this.#log.error({ err: error }, "config load failed"));
      } while (this.#again);
    })().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  /** Whether `url` names one of the config sources (then it is reloaded). */
  notify(url: string): boolean {
    const hit = this.#sources.some(
      (source) => source === url || sameRepo(source.split("#")[0] ?? source, url),
    );
    if (hit) void this.reload();
    return hit;
  }

  watchDirectories(): void {
    for (const source of this.#sources) {
      if (isRemote(source)) continue;
      try {
        const watcher = watch(source, { recursive: true }, (_event, file) => {
          if (file && /\.gocd\.ya?ml$/.test(String(file))) this.#scheduleReload();
        });
        watcher.on("error", () => undefined);
        this.#watchers.push(watcher);
      } catch (error) {
        this.#log.warn({ err: error, source }, "cannot watch config directory");
      }
    }
  }

  close(): void {
    clearTimeout(this.#reloadTimer);
    for (const watcher of this.#watchers) watcher.close();
    this.#parser.close();
  }

  #scheduleReload(): void {
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = setTimeout(() => void this.reload(), 100);
  }

  async #readSources(): Promise<SourceFiles[]> {
    return Promise.all(
      this.#sources.map(async (source): Promise<SourceFiles> => {
        try {
          const read = await readConfigSource(source, {
            mirrorRoot: this.#mirror.root,
            mirror: this.#mirror,
            maxFileBytes: this.#maxFileBytes,
          });
          const local = read.revision === null;
          return {
            source,
            local,
            revision: read.revision,
            files: read.files.map((f) => ({
              path: local ? path.join(source, f.path) : f.path,
              text: f.text,
              ...(f.size === undefined ? {} : { size: f.size }),
            })),
            error: null,
          };
        } catch (error) {
          return { source, local: false, revision: null, files: [], error: (error as Error).message };
        }
      }),
    );
  }

  async #reportSources(
    sources: SourceFiles[],
    pipelines: readonly PipelineConfig[],
    issues: readonly ConfigIssue[],
  ): Promise<void> {
    if (!this.#onSourcesLoaded) return;
    const loaded = sources
      .filter((s) => s.error === null)
      .map((s): LoadedConfigSource => {
        const files = new Set(s.files.map((f) => f.path));
        return {
          source: s.source,
          revision: s.revision ?? directoryRevision(s.files),
          pipelines: pipelines.filter((p) => files.has(p.location.file)).map((p) => p.name),
          issues: issues.filter((i) => files.has(i.file)).length,
        };
      });
    await this.#onSourcesLoaded(loaded).catch((error: unknown) =>
      this.#log.error({ err: error }, "recording the config change failed"),
    );
  }

  async #load(): Promise<void> {
    const sources = await this.#readSources();
    const parsed = await this.#parser.parse(
      sources.flatMap((s) => s.files.map((f) => ({ ...f, source: s.source }))),
      this.#maxFileBytes,
    );
    const localFiles = new Set(sources.filter((s) => s.local).flatMap((s) => s.files.map((f) => f.path)));
    const pipelines = parsed.pipelines.map((p) =>
      localFiles.has(p.location.file) ? resolveRelativeUrls(p) : p,
    );
    const names = new Set(pipelines.map((p) => p.name));
    const brokenFiles = new Set(parsed.issues.filter((i) => i.pipelines.length === 0).map((i) => i.file));
    const brokenNames = new Set(parsed.issues.flatMap((i) => i.pipelines));
    const unreadable = new Set(sources.filter((s) => s.error !== null).map((s) => s.source));
    // Keep the last valid version of what is now broken or unreachable.
    for (const old of this.#snapshot.pipelines) {
      if (names.has(old.name)) continue;
      const fromUnreadable = unreadable.has(this.#sourceOf.get(old.name) ?? "");
      if (brokenNames.has(old.name) || brokenFiles.has(old.location.file) || fromUnreadable) {
        pipelines.push(old);
        names.add(old.name);
      }
    }
    const sourceOfFile = new Map(sources.flatMap((s) => s.files.map((f) => [f.path, s.source] as const)));
    for (const p of pipelines)
      this.#sourceOf.set(p.name, sourceOfFile.get(p.location.file) ?? this.#sourceOf.get(p.name) ?? "");
    const issues: ConfigIssue[] = [
      ...parsed.issues,
      ...sources
        .filter((s) => s.error !== null)
        .map((s) => ({
          file: s.source,
          line: 1,
          column: 1,
          message: `cannot read config source: ${s.error}`,
          pipelines: [],
        })),
    ];
    await this.#reportSources(sources, parsed.pipelines, issues);
    this.#snapshot = Object.freeze({ pipelines, environments: parsed.environments, issues });
    this.#loaded = true;
    // Pipelines running a last valid version: kept above, not parsed from the files now.
    const parsedNames = new Set(parsed.pipelines.map((p) => p.name));
    const oldVersions = new Set(pipelines.filter((p) => !parsedNames.has(p.name)).map((p) => p.name));
    this.#issues = issues.map((issue) => ({
      file: issue.file,
      line: issue.line,
      column: issue.column,
      message: issue.message,
      source: sourceOfFile.get(issue.file) ?? issue.file,
      pipelines: issue.pipelines,
      lastValid: pipelines
        .filter(
          (p) =>
            oldVersions.has(p.name) &&
            (issue.pipelines.includes(p.name) ||
              // A file-level problem keeps its file's pipelines; an unreadable source (file = the source) its own.
              (issue.pipelines.length === 0 &&
                (p.location.file === issue.file || this.#sourceOf.get(p.name) === issue.file))),
        )
        .map((p) => p.name),
    }));
    this.#log.info({ pipelines: pipelines.length, issues: issues.length }, "config loaded");
    const revisionOf = new Map(
      sources.map((s) => [s.source, s.error ?? s.revision ?? directoryRevision(s.files)] as const),
    );
    const keyOf = (issue: ConfigIssue) => {
      const source = sourceOfFile.get(issue.file) ?? issue.file;
      return `${source}\0${revisionOf.get(source) ?? ""}\0${issue.file}:${issue.line}:${issue.column}\0${issue.message}`;
    };
    const logged = new Set(issues.map(keyOf));
    const fresh = issues.filter((issue) => !this.#logged.has(keyOf(issue)));
    this.#logged = logged;
    for (const issue of fresh.slice(0, MAX_LOGGED_ISSUES))
      this.#log.warn(
        { file: issue.file, line: issue.line, column: issue.column, pipelines: issue.pipelines },
        "config issue: " + issue.message,
      );
    if (fresh.length > MAX_LOGGED_ISSUES)
      this.#log.warn(
        { more: fresh.length - MAX_LOGGED_ISSUES },
        "more config issues: see /api/v1/config/errors",
      );
    this.#events.publish({ type: "config" });
    this.#onChange();
  }
}

/** One config source as a load read it. */
export interface LoadedConfigSource {
  /** As given to `--pipelines` (may hold credentials: redact before showing it). */
  source: string;
  /** The commit of a config repository, or `sha256:…` of a directory's pipeline files (paths and contents). */
  revision: string;
  /** Pipelines defined by the source's files (valid ones). */
  pipelines: string[];
  /** Config issues in the source's files. */
  issues: number;
}

/** A relative path in a git URL of a file from a local directory is relative to that file (Fawkes extension). */
function resolveRelativeUrls(pipeline: PipelineConfig): PipelineConfig {
  const base = path.dirname(pipeline.location.file);
  return {
    ...pipeline,
    materials: pipeline.materials.map((m) =>
      m.type === "git" && !isRemote(m.url) && !path.isAbsolute(m.url)
        ? { ...m, url: path.resolve(base, m.url) }
        : m,
    ),
  };
}

/** A directory's "revision": the SHA-256 of its pipeline files' paths, sizes and texts. */
function directoryRevision(files: readonly { path: string; text: string; size?: number }[]): string {
  const hash = createHash("sha256");
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    hash.update(`${file.path}\0${file.size ?? file.text.length}\0${file.text}\0`);
  return `sha256:${hash.digest("hex")}`;
}
