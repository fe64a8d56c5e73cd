/**
 * The web UI's login: the API token is exchanged once for an HttpOnly, SameSite=Strict cookie holding a
 * signed, expiring session (stateless, so it survives server restarts; rotating the token ends all sessions).
 */
import { createHmac } from "node:crypto";
import { sameSecret } from "../services/register-agent.ts";

export const SESSION_COOKIE = "fawkes_session";
const SESSION_DAYS = 30;

const sign = (apiToken: string, issuedAt: number): string =>
  createHmac("sha256", apiToken).update(`fawkes-session:${issuedAt}`).digest("base64url");

export function newSession(apiToken: string, now: number): string {
  return `${now}.${sign(apiToken, now)}`;
}

export function validSession(apiToken: string, value: string | undefined, now: number): boolean {
  if (!value) return false;
  const [issued, signature] = value.split(".");
  const issuedAt = Number(issued);
  if (
    !Number.isSafeInteger(issuedAt) ||
    !signature ||
    now - issuedAt > SESSION_DAYS * 86_400_000 ||
    issuedAt > now + 60_000
  )
    return false;
  return sameSecret(signature, sign(apiToken, issuedAt));
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_DAYS * 86_400}${secure ? "; Secure" : ""}`;
}

export const clearedSessionCookie = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}
