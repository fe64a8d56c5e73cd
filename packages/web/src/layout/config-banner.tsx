import { useConfigHealth } from "../config-health/config-health-context.ts";
import { Link } from "../router/link.tsx";

/** Shown on every page while the configuration has errors. */
export function ConfigBanner() {
  const { data } = useConfigHealth();
  const count = data?.errors.length ?? 0;
  if (count === 0) return null;
  return (
    <div className="banner banner-error" role="alert">
      <span aria-hidden="true">⚠</span>{" "}
      <strong>{count === 1 ? "1 configuration error" : `${count} configuration errors`}.</strong> Fawkes keeps
      running the last valid version of the affected pipelines. <Link href="/config">See config health</Link>
    </div>
  );
}
