/**
 * The UI's only way to the server: same-origin fetch with the session cookie (and its CSRF token on writes). A
 * 401 anywhere tells the app (which then shows the login page); other errors carry the server's problem+json
 * detail.
 */
import { CSRF_HEADER } from "@fawkes/protocol";

export class HttpError extends Error {
  readonly status: number;
  /** Stable Fawkes error code (FAWKES_…) when the server sent one. */
  readonly code: string | undefined;
  /** The problem's per-field issues (a validation problem names the JSON path of each). */
  readonly errors: { path?: string; message: string }[];
  constructor(
    status: number,
    message: string,
    code?: string,
    errors: { path?: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
}

let unauthorizedListener: (() => void) | undefined;
/** The session's CSRF token (auth/session.ts): every write made with the cookie sends it. */
let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The app registers what happens on a 401 (show the login page). */
export function onUnauthorized(listener: (() => void) | undefined): void {
  unauthorizedListener = listener;
}

async function failure(response: Response): Promise<HttpError> {
  const text = await response.text().catch(() => "");
  let message = `${response.status} ${response.statusText}`.trim();
  let code: string | undefined;
  let errors: HttpError["errors"] = [];
  try {
    const problem = JSON.parse(text) as {
      detail?: unknown;
      title?: unknown;
      code?: unknown;
      errors?: unknown;
    };
    if (typeof problem.detail === "string") message = problem.detail;
    else if (typeof problem.title === "string") message = problem.title;
    if (typeof problem.code === "string") code = problem.code;
    if (Array.isArray(problem.errors)) errors = problem.errors as HttpError["errors"];
  } catch {
    if (text !== "" && text.length < 300) message = text;
  }
  return new HttpError(response.status, message, code, errors);
}

export async function request(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  options: { body?: unknown; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET" && csrfToken !== undefined) headers[CSRF_HEADER] = csrfToken;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(path, {
    method,
    headers,
    body,
    signal: options.signal,
    credentials: "same-origin",
  });
  if (response.status === 401) unauthorizedListener?.();
  if (!response.ok) throw await failure(response);
  return response;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await request("GET", path, { signal });
  return (await response.json()) as T;
}

/** A command (POST/PUT/PATCH/DELETE); resolves with the JSON answer, or undefined for 204. */
export async function send<T = unknown>(
  method: "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T | undefined> {
  const response = await request(method, path, { body });
  const text = await response.text();
  return text === "" ? undefined : (JSON.parse(text) as T);
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
