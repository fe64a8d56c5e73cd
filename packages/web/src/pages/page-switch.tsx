import { AgentsPage } from "../agents/agents-page.tsx";
import { AuditPage } from "../audit/audit-page.tsx";
import { BucketPage } from "../buckets/bucket-page.tsx";
import { BucketsPage } from "../buckets/buckets-page.tsx";
import { ConfigHealthPage } from "../config-health/config-health-page.tsx";
import { DashboardPage } from "../dashboard/dashboard-page.tsx";
import { PipelineHistoryPage } from "../history/pipeline-history-page.tsx";
import { InstancePage } from "../instances/instance-page.tsx";
import { InstancesPage } from "../instances/instances-page.tsx";
import { JobPage } from "../job/job-page.tsx";
import type { Route } from "../router/routes.ts";
import { InstanceProfilesPage } from "../roles/instance-profiles-page.tsx";
import { PoliciesPage } from "../roles/policies-page.tsx";
import { RolePage } from "../roles/role-page.tsx";
import { RolesPage } from "../roles/roles-page.tsx";
import { RunPage } from "../run/run-page.tsx";
import { StackPage } from "../stacks/stack-page.tsx";
import { StacksPage } from "../stacks/stacks-page.tsx";
import { AccountPage } from "../users/account-page.tsx";
import { UserPage } from "../users/user-page.tsx";
import { UsersPage } from "../users/users-page.tsx";
import { NotFoundPage } from "./not-found-page.tsx";

/** The page for a route (keyed by the pipeline, so switching pipelines starts from a clean state). */
export function PageSwitch({ route }: { route: Route }) {
  switch (route.page) {
    case "dashboard":
      return <DashboardPage />;
    case "pipeline":
      return <PipelineHistoryPage key={route.pipeline} pipeline={route.pipeline} page={route.pageNumber} />;
    case "run":
      return (
        <RunPage
          key={`${route.pipeline}/${route.counter}`}
          pipeline={route.pipeline}
          counter={route.counter}
          tab={route.tab}
        />
      );
    case "job":
      return (
        <JobPage
          key={`${route.pipeline}/${route.counter}/${route.stage}/${route.stageCounter}/${route.job}`}
          pipeline={route.pipeline}
          counter={route.counter}
          stage={route.stage}
          stageCounter={route.stageCounter}
          job={route.job}
          tab={route.tab}
        />
      );
    case "agents":
      return <AgentsPage />;
    case "config":
      return <ConfigHealthPage />;
    case "buckets":
      return <BucketsPage />;
    case "bucket":
      return (
        <BucketPage
          key={`${route.bucket}/${route.prefix}`}
          bucket={route.bucket}
          prefix={route.prefix}
          selectedKey={route.key}
        />
      );
    case "roles":
      return <RolesPage />;
    case "role":
      return <RolePage key={route.role} role={route.role} />;
    case "policies":
      return <PoliciesPage selected={route.policy} />;
    case "instance-profiles":
      return <InstanceProfilesPage />;
    case "stacks":
      return <StacksPage all={route.all} />;
    case "stack":
      return <StackPage key={route.stack} stack={route.stack} tab={route.tab} />;
    case "instances":
      return <InstancesPage all={route.all} />;
    case "instance":
      return <InstancePage key={route.instance} instance={route.instance} />;
    case "users":
      return <UsersPage />;
    case "user":
      return <UserPage key={route.user} user={route.user} />;
    case "account":
      return <AccountPage />;
    case "audit":
      return <AuditPage filter={route.filter} />;
    case "not-found":
      return <NotFoundPage path={route.path} />;
  }
}
