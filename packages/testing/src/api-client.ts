import {
  ApiRoutes,
  apiPath,
  type AgentListDto,
  type ConfigHealthDto,
  type NotifyResponse,
  type PipelineRunDto,
  type PipelineStatusDto,
  type Problem,
  type RerunResponse,
  type TriggerRequest,
  type TriggerResponse,
} from "@fawkes/protocol";

/** A non-2xx answer from the server; `problem` is the parsed problem+json body when there is one. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  readonly body: string;
  constructor(method: string, path: string, status: number, body: string) {
    super(`${method} ${path} answered ${status}: ${body.slice(0, 500)}`);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
    this.problem = parseProblem(body);
  }
}

export interface RequestOptions {
  /** JSON-encoded unless it is already a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Leave out the bearer token. @default false */
  anonymous?: boolean;
}

/** Typed helpers over the REST API of one server (bearer token included). */
export interface ApiClient {
  readonly url: string;
  /** Raw request: never throws on HTTP status. `path` starts with `/`. */
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** GET and parse JSON; throws ApiError on non-2xx. */
  get<T>(path: string): Promise<T>;
  /** POST (JSON body) and parse JSON if any; throws ApiError on non-2xx. */
  post<T>(path: string, body?: unknown): Promise<T>;
  status(pipeline: string, limit?: number): Promise<PipelineStatusDto>;
  run(pipeline: string, counter: number): Promise<PipelineRunDto>;
  trigger(pipeline: string, request?: Partial<TriggerRequest>): Promise<TriggerResponse>;
  notify(url: string, branch?: string): Promise<NotifyResponse>;
  approve(pipeline: string, counter: number, stage: string): Promise<void>;
  rerun(pipeline: string, counter: number, stage: string, jobs?: string[]): Promise<RerunResponse>;
  agents(): Promise<AgentListDto>;
  enableAgent(name: string): Promise<void>;
  configErrors(): Promise<ConfigHealthDto>;
  /** Console log of a job as text (stage counter may be "latest"). */
  console(
    pipeline: string,
    counter: number,
    stage: string,
    job: string,
    stageCounter?: number | "latest",
  ): Promise<string>;
}

export function createApiClient(baseUrl: () => string, token: () => string): ApiClient {
  const request = async (method: string, path: string, options: RequestOptions = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.anonymous !== true) headers.authorization = `Bearer ${token()}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    return fetch(baseUrl() + path, { method, headers, body, signal: AbortSignal.timeout(30_000) });
  };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await request(method, path, { body });
    const text = await response.text();
    if (!response.ok) throw new ApiError(method, path, response.status, text);
    return (text === "" ? undefined : JSON.parse(text)) as T;
  };
  const stagePath = (route: string, pipeline: string, counter: number, stage: string) =>
    apiPath(route, { name: pipeline, counter, stage });

  return {
    get url() {
      return baseUrl();
    },
    request,
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body ?? {}),
    status: (pipeline, limit = 20) =>
      call("GET", `${apiPath(ApiRoutes.pipelineStatus, { name: pipeline })}?limit=${limit}`),
    run: (pipeline, counter) => call("GET", apiPath(ApiRoutes.run, { name: pipeline, counter })),
    trigger: (pipeline, body = {}) => call("POST", apiPath(ApiRoutes.trigger, { name: pipeline }), body),
    notify: (url, branch) => call("POST", ApiRoutes.notify, branch === undefined ? { url } : { url, branch }),
    approve: (pipeline, counter, stage) =>
      call("POST", stagePath(ApiRoutes.approve, pipeline, counter, stage), {}),
    rerun: (pipeline, counter, stage, jobs = []) =>
      call("POST", stagePath(ApiRoutes.rerun, pipeline, counter, stage), { jobs }),
    agents: () => call("GET", ApiRoutes.agents),
    enableAgent: (name) => call("POST", apiPath(ApiRoutes.enableAgent, { agent: name }), {}),
    configErrors: () => call("GET", ApiRoutes.configErrors),
    async console(pipeline, counter, stage, job, stageCounter = "latest") {
      const path = apiPath(ApiRoutes.console, { name: pipeline, counter, stage, stageCounter, job });
      const response = await request("GET", path);
      const text = await response.text();
      if (!response.ok) throw new ApiError("GET", path, response.status, text);
      return text;
    },
  };
}

function parseProblem(body: string): Problem | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<Problem>;
    return typeof parsed.code === "string" ? (parsed as Problem) : undefined;
  } catch {
    return undefined;
  }
}
