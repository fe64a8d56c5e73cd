import type { RoleCredentials } from "@fawkes/protocol";

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
}

/**
 * The credentials of a job's role, as its metadata endpoint serves them. Asked for when first needed (a job that
 * never reads them costs the server nothing), kept until 15 minutes before they expire, then asked for again; a
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
