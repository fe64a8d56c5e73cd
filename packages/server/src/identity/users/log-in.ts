/**
 * Checking a user's name and password, rate-limited (login-limiter.ts). A wrong password, an unknown user and
 * a disabled user get the same answer in about the same time (an unknown name is verified against a decoy
 * hash), so the answer does not tell which names exist.
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { EngineContext } from "../../engine/context.ts";
import { findUserByName, type UserRecord } from "../../store/users-repo.ts";
import type { LoginLimiter } from "./login-limiter.ts";
import { decoyHash, verifyPassword } from "./passwords.ts";

/** Thrown when the limit is reached: carries the seconds for `Retry-After`. */
export class TooManyLogins extends FawkesError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(
      ErrorCode.tooManyLoginAttempts,
      `too many failed logins from this address or for this user: try again in ${retryAfterSeconds} s`,
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export async function checkLogin(
  ctx: EngineContext,
  limiter: LoginLimiter,
  ip: string,
  name: string,
  password: string,
): Promise<UserRecord> {
  const wait = limiter.retryAfterSeconds(ip, name);
  if (wait > 0) {
    ctx.log.warn({ ip }, "login refused: rate limit");
    throw new TooManyLogins(wait);
  }
  const user = await findUserByName(ctx.db, name);
  const matches = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !matches || user.disabled) {
    limiter.failed(ip, name);
    ctx.log.info({ ip }, "login failed");
    throw new FawkesError(ErrorCode.loginFailed, "wrong user name or password");
  }
  return user;
}
