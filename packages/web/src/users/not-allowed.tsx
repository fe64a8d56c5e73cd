import { HttpError } from "../api/http.ts";
import { useMe } from "../auth/permissions.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";

/** Whether a failed read was the server's refusal for the caller's role. */
export const isRefused = (error: unknown): boolean => error instanceof HttpError && error.status === 403;

/**
 * True once `GET /api/v1/me` says the caller is no administrator: the page then reads nothing. Until it has
 * answered, the page reads, and the server's 403 (`isRefused`) decides.
 */
export function useNotAdmin(): boolean {
  const me = useMe();
  return me !== null && me.global !== "admin";
}

/** The page a non-administrator gets instead of an administrator's page. */
export function NotAllowed({ what }: { what: string }) {
  return (
    <div className="notice notice-error not-allowed" role="alert" data-testid="not-allowed">
      <h1>Not allowed</h1>
      <p>
        Only an administrator manages {what}. Your own password and API tokens are on your{" "}
        <Link href={href.account()}>account page</Link>.
      </p>
    </div>
  );
}
