import type { JobAssignment, RoleCredentials } from "@fawkes/protocol";

/** Credentials are asked for again when less than this remains on them (the server renews below 20 min). */
export const REFRESH_BEFORE_EXPIRY_MS = 15 * 60 * 1000;

export interface RoleCredentialsCacheOptions {
  /** Asks the server (POST /agent/v1/jobs/:jobRunId/credentials); `null`: the job has no role. */
  fetch: () => Promise<RoleCredentials | null>;
  /** Called with every credential value received, before anyone can be given it (the console masks them). */
  onReceived: (values: string[]) => void;
  /** A refresh failed and still-valid credentials are served instead. */
  onStale?: (error: unknown) => void;
  /** @default Date.now */
  now?: () => number;
  /**
   * How long a reader waits for a refresh while the previous credentials are still valid, before it is given
   * those (the refresh goes on): AWS clients give the metadata endpoint 1 s. @default 500
   */
  staleAfterMs?: number;
  /**
   * The credentials the assignment brought (issued with the lease); `null`: the job has no role (never asked).
   * @default undefined: asked for when first needed
   */
  initial?: RoleCredentials | null;
}

/**
 * The credentials of a job's role, as its metadata endpoint serves them and each task's AWS_* variables carry
 * them. Seeded with those the assignment brought, else asked for when first needed, kept until 15 minutes before they expire, then asked for again; a
 * refresh that fails, or is slow (a server restarting), serves the previous credentials while they are still
 * valid. A job's role is fixed when it is assigned, so "no role" is kept for the job's life. One request at a
 * time: concurrent readers share it.
 */
export class RoleCredentialsCache {
  readonly #options: RoleCredentialsCacheOptions;
  readonly #now: () => number;
  #current: RoleCredentials | null | undefined;
  #inFlight: Promise<RoleCredentials | null> | undefined;

  constructor(options: RoleCredentialsCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#current = options.initial;
    if (options.initial)
      options.onReceived([
        options.initial.accessKeyId,
        options.initial.secretAccessKey,
        options.initial.sessionToken,
      ]);
  }

  get(): Promise<RoleCredentials | null> {
    const current = this.#current;
    if (current === null) return Promise.resolve(null);
    if (current !== undefined && current.expiration - this.#now() > REFRESH_BEFORE_EXPIRY_MS)
      return Promise.resolve(current);
    if (!this.#inFlight) {
      const refresh = this.#refresh().finally(() => {
        if (this.#inFlight === refresh) this.#inFlight = undefined;
      });
      // A reader that stopped waiting leaves nobody to see a failure: it is not unhandled.
      refresh.catch(() => undefined);
      this.#inFlight = refresh;
    }
    const refresh = this.#inFlight;
    if (current === undefined || current.expiration <= this.#now()) return refresh;
    let timer: NodeJS.Timeout | undefined;
    const stale = new Promise<RoleCredentials>((resolve) => {
      timer = setTimeout(() => resolve(current), this.#options.staleAfterMs ?? 500);
    });
    return Promise.race([refresh, stale]).finally(() => clearTimeout(timer));
  }

  async #refresh(): Promise<RoleCredentials | null> {
    let fetched: RoleCredentials | null;
    try {
      fetched = await this.#options.fetch();
    } catch (error) {
      const previous = this.#current;
      if (previous && previous.expiration > this.#now()) {
        this.#options.onStale?.(error);
        return previous;
      }
      throw error;
    }
    if (fetched !== null)
      this.#options.onReceived([fetched.accessKeyId, fetched.secretAccessKey, fetched.sessionToken]);
    this.#current = fetched;
    return fetched;
  }
}

const CREDENTIAL_VARIABLES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] as const;

/**
 * Before each task: the job's role credentials into `env` as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
 * AWS_SESSION_TOKEN, renewed when less than 15 minutes remain (so every task starts with at least that long; a
 * task that runs longer reads them from the metadata endpoint, which renews them). Undefined for a job without a
 * role, or one whose config sets any of the three itself (its own keys win, as with every other variable).
 */
export function roleVariables(
  job: Pick<JobAssignment, "roleCredentials" | "environment">,
  env: Record<string, string>,
  credentials: () => Promise<RoleCredentials | null>,
): (() => Promise<void>) | undefined {
  if (!job.roleCredentials) return undefined;
  if (job.environment.some((variable) => (CREDENTIAL_VARIABLES as readonly string[]).includes(variable.name)))
    return undefined;
  return async () => {
    const current = await credentials();
    if (!current) return;
    env.AWS_ACCESS_KEY_ID = current.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = current.secretAccessKey;
    env.AWS_SESSION_TOKEN = current.sessionToken;
  };
}
