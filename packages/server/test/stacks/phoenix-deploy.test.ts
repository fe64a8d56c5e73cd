/**
 * Issue 15's zero-downtime deploy, end to end and for real (as root): a `fawkes server` process, its phoenix
 * instances, and `fawkes stack` as a subprocess. An infrastructure stack (network, bucket, the app's role and
 * instance profile, an exported elastic address); each build is its own stack whose instance fetches its build
 * from the bucket with the instance role, starts it on 0.0.0.0:8080 and signals, and whose EIPAssociation moves
 * the address to it. A bounded loopback load generator hits the address throughout: build 2 replaces build 1,
 * build 1 is retired, a broken build 3 rolls back; zero failed requests.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ApiRoutes, type CreatedAccessKeyDto } from "@fawkes/protocol";
import {
  awsCli,
  runCli,
  startLoad,
  startServerProcess,
  tempDir,
  waitFor,
  type CliResult,
  phoenixSkip,
} from "@fawkes/testing";

const skip = phoenixSkip();

/** What stays across builds: the network, the bucket, the app's role and the address (exported). */
const INFRASTRUCTURE = `AWSTemplateFormatVersion: "2010-09-09"
Description: what every build of the app shares
Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref VPC
      CidrBlock: 10.0.0.0/24
  WebGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: the app's port
      VpcId: !Ref VPC
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 8080, ToPort: 8080, CidrIp: 0.0.0.0/0 }
  Builds:
    Type: AWS::S3::Bucket
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - { Effect: Allow, Principal: { Service: [ec2.amazonaws.com] }, Action: [sts:AssumeRole] }
      Policies:
        - PolicyName: read-builds
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - { Effect: Allow, Action: [s3:GetObject], Resource: !Sub "arn:aws:s3:::\${Builds}/*" }
  AppProfile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      Roles: [!Ref AppRole]
  Address:
    Type: AWS::EC2::EIP
    Properties:
      Domain: vpc
Outputs:
  Bucket: { Value: !Ref Builds, Export: { Name: !Sub "\${AWS::StackName}-Bucket" } }
  SubnetId: { Value: !Ref Subnet, Export: { Name: !Sub "\${AWS::StackName}-SubnetId" } }
  WebGroup: { Value: !Ref WebGroup, Export: { Name: !Sub "\${AWS::StackName}-WebGroup" } }
  AppProfile: { Value: !Ref AppProfile, Export: { Name: !Sub "\${AWS::StackName}-AppProfile" } }
  AllocationId: { Value: !GetAtt Address.AllocationId, Export: { Name: !Sub "\${AWS::StackName}-AllocationId" } }
  PublicIp: { Value: !Ref Address, Export: { Name: !Sub "\${AWS::StackName}-PublicIp" } }
`;

/** Build N's user data: fetch `build-N.js` with the instance role, start it, signal once it answers (or the failure). */
const fetchAndServe = (node: string): string => `#!/bin/sh
mkdir -p /opt/app
aws s3 cp s3://\${Bucket}/build-\${BuildNumber}.js /opt/app/app.js --only-show-errors
status=$?
if [ $status -eq 0 ]; then
  ${node} /opt/app/app.js > /var/log/app.log 2>&1 &
  status=1
  for i in $(seq 1 200); do
    if curl -sf -o /dev/null http://127.0.0.1:8080/; then status=0; break; fi
    sleep 0.05
  done
fi
fawkes signal -e $status --stack \${AWS::StackName} --resource AppServer
`;

/** A broken build's user data: it fails before it signals. */
const FAILS_TO_START = `#!/bin/sh
echo "build \${BuildNumber} cannot start"
exit 1
`;

/**
 * One build: an instance running `userData` (a \`!Sub\` with \`Bucket\`) that must signal, and the move of the
 * shared address to it, which waits for the instance's signal.
 */
const appTemplate = (userData: string): string => `AWSTemplateFormatVersion: "2010-09-09"
Description: one build of the app
Parameters:
  BuildNumber:
    Type: String
    AllowedPattern: "[0-9]+"
Resources:
  AppServer:
    Type: AWS::EC2::Instance
    CreationPolicy:
      ResourceSignal: { Count: 1, Timeout: PT2M }
    Properties:
      ImageId: ami-20bd1f57
      InstanceType: t3.micro
      SubnetId: !ImportValue infra-SubnetId
      SecurityGroupIds: [!ImportValue infra-WebGroup]
      IamInstanceProfile: !ImportValue infra-AppProfile
      Tags:
        - { Key: Name, Value: !Sub "App Server - Build \${BuildNumber}" }
      UserData:
        Fn::Base64: !Sub
          - |
${userData.replace(/^(?=.)/gm, "            ")}          - Bucket: !ImportValue infra-Bucket
  AddressMove:
    Type: AWS::EC2::EIPAssociation
    Properties:
      AllocationId: !ImportValue infra-AllocationId
      InstanceId: !Ref AppServer
Outputs:
  InstanceId:
    Value: !Ref AppServer
`;

/** The app of build N: answers "build N". */
const app = (n: number): string =>
  `require("http").createServer((q, s) => s.end("build ${n}\\n")).listen(8080, "0.0.0.0");\n`;

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

test(
  "a phoenix deploy: build 2 replaces build 1 and a broken build 3 replaces nothing, zero failed requests",
  { skip, timeout: 300_000 },
  async (t) => {
    const server = await startServerProcess(t);
    const dir = await tempDir(t, "fawkes-phoenix-");
    const home = await tempDir(t, "fawkes-phoenix-home-");
    const files = {
      infra: path.join(dir, "infrastructure.yaml"),
      app: path.join(dir, "app.yaml"),
      broken: path.join(dir, "broken.yaml"),
    };
    await writeFile(files.infra, INFRASTRUCTURE);
    await writeFile(files.app, appTemplate(fetchAndServe(process.execPath)));
    await writeFile(files.broken, appTemplate(FAILS_TO_START));
    const key = await server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
      name: "deployer",
      policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
    });
    const fawkes = (...args: string[]): Promise<CliResult> =>
      runCli(args, {
        timeoutMs: 180_000,
        env: {
          AWS_ENDPOINT_URL: server.cloudUrl,
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_ACCESS_KEY_ID: key.accessKeyId,
          AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
          XDG_CONFIG_HOME: home,
          HOME: home,
        },
      });
    const ok = async (...args: string[]): Promise<CliResult> => {
      const result = await fawkes(...args);
      assert.equal(result.code, 0, `fawkes ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
      return result;
    };
    const aws = awsCli(server.cloudUrl, home, key as Key);
    const awsOk = async <T>(...args: string[]): Promise<T> => {
      const result = await aws(...args);
      assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
      return JSON.parse(result.stdout) as T;
    };
    const outputs = async (stack: string): Promise<Record<string, string>> =>
      JSON.parse((await ok("stack", "outputs", stack, "--json")).stdout) as Record<string, string>;
    const build = (n: number, template = files.app) =>
      fawkes(
        "stack",
        "create",
        `app-build-${n}`,
        "--template",
        template,
        "--parameter",
        `BuildNumber=${n}`,
        "--wait",
      );

    await ok(
      "stack",
      "create",
      "infra",
      "--template",
      files.infra,
      "--capabilities",
      "CAPABILITY_IAM",
      "--wait",
    );
    const infra = await outputs("infra");
    assert.match(infra.PublicIp ?? "", /^127\.101\.\d+\.\d+$/);
    const s3 = new S3Client({
      endpoint: server.cloudUrl,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: key,
      maxAttempts: 1,
    });
    t.after(() => s3.destroy());
    for (const n of [1, 2])
      await s3.send(new PutObjectCommand({ Bucket: infra.Bucket, Key: `build-${n}.js`, Body: app(n) }));

    const first = await build(1);
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    assert.match(first.stdout, /stack app-build-1: CREATE_COMPLETE/);
    const instance1 = (await outputs("app-build-1")).InstanceId!;
    const url = `http://${infra.PublicIp}:8080/`;
    assert.equal(
      await (await fetch(url)).text(),
      "build 1\n",
      "the address serves build 1 once it is created",
    );

    const load = startLoad(url, { clients: 2, maxRequests: 100_000, deadlineMs: 240_000 });
    t.after(() => load.stop());
    const answered = (body: string, after = 0) =>
      load.samples.filter((sample) => sample.body === body && sample.startedAt >= after).length;
    await waitFor(() => answered("build 1") >= 20, { message: "20 answers from build 1" });

    const second = await build(2);
    assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    const moved = performance.now();
    const instance2 = (await outputs("app-build-2")).InstanceId!;
    await waitFor(() => answered("build 2", moved) >= 20, { message: "20 answers from build 2" });

    const retired = await ok("stack", "retire", "--prefix", "app-build-", "--keep", "app-build-2", "--wait");
    assert.match(retired.stdout + retired.stderr, /app-build-1/);
    const afterRetire = performance.now();
    await waitFor(() => answered("build 2", afterRetire) >= 20, { message: "build 2 after the retire" });

    // A broken build fails and rolls back; it never takes the address.
    const third = await build(3, files.broken);
    assert.notEqual(third.code, 0, "a build that does not signal success fails the create");
    assert.match(third.stdout + third.stderr, /stack app-build-3 ended in ROLLBACK_COMPLETE: AppServer/);
    assert.match(
      third.stdout,
      /CREATE_FAILED +AppServer +AWS::EC2::Instance +Instance i-\w+ failed to boot: part-001 failed \(exit 1\)/,
    );
    const afterBroken = performance.now();
    await waitFor(() => answered("build 2", afterBroken) >= 20, {
      message: "build 2 after the broken build",
    });

    await load.stop();
    assert.deepEqual(load.failures().slice(0, 5), [], `${load.failures().length} requests failed`);
    assert.deepEqual(
      load.samples.filter((sample) => sample.startedAt >= moved && sample.body !== "build 2").slice(0, 5),
      [],
      "every request sent after the move was answered by build 2",
    );
    assert.ok(answered("build 1") >= 20 && answered("build 2") >= 60, "both builds served the load");

    // Build 1 is gone: its stack deleted, its instance terminated; the address is on build 2's instance.
    const stacks = await awsOk<{ StackSummaries: { StackName: string; StackStatus: string }[] }>(
      "cloudformation",
      "list-stacks",
    );
    const statusOf = (name: string) =>
      stacks.StackSummaries.filter((s) => s.StackName === name).map((s) => s.StackStatus);
    assert.deepEqual(statusOf("app-build-1"), ["DELETE_COMPLETE"]);
    assert.deepEqual(statusOf("app-build-2"), ["CREATE_COMPLETE"]);
    assert.deepEqual(statusOf("app-build-3"), ["ROLLBACK_COMPLETE"]);
    const described = await awsOk<{
      Reservations: { Instances: { InstanceId: string; State: { Name: string } }[] }[];
    }>("ec2", "describe-instances", "--instance-ids", instance1, instance2);
    const states = Object.fromEntries(
      described.Reservations.flatMap((r) => r.Instances).map((i) => [i.InstanceId, i.State.Name]),
    );
    assert.deepEqual(states, { [instance1]: "terminated", [instance2]: "running" });
    const addresses = await awsOk<{
      Addresses: { PublicIp: string; InstanceId?: string; AllocationId: string }[];
    }>("ec2", "describe-addresses", "--allocation-ids", infra.AllocationId!);
    assert.deepEqual(
      addresses.Addresses.map((a) => [a.PublicIp, a.InstanceId]),
      [[infra.PublicIp, instance2]],
    );
  },
);
