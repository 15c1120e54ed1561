// The deployment files as a cluster and an image build would take them, without either running
// here: kubeconform validates every Kubernetes manifest strictly against the Kubernetes schemas
// (offline, from infra/deploy/tools.sh), hadolint lints the Dockerfile, and the variables the files
// set are ones the services read. A broken copy of each must fail, so a check that passes anything
// is noticed. The images themselves are not built (no container engine): docs/operations.md.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const deployDir = join(root, 'infra/deploy');
const k8sDir = join(deployDir, 'k8s');
const dockerfile = join(deployDir, 'Dockerfile');
const toolsDir = process.env.SP_DEPLOY_TOOLS_DIR ?? join(root, '.cache/deploy-tools');
const kubeconform = join(toolsDir, 'bin/kubeconform');
const hadolint = join(toolsDir, 'bin/hadolint');

interface Run {
  code: number;
  output: string;
}

function run(bin: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** every Kubernetes version whose schemas tools.sh unpacked, e.g. ["1.30.0", "1.37.0"] */
function kubernetesVersions(): string[] {
  return readdirSync(join(toolsDir, 'schemas'))
    .map((d) => /^v(\d+\.\d+\.\d+)-local-strict$/.exec(d)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort();
}

async function validate(files: readonly string[], version: string): Promise<Run> {
  const location = join(toolsDir, 'schemas', '{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json');
  return run(kubeconform, ['-strict', '-summary', '-schema-location', location, '-kubernetes-version', version, ...files]);
}

function documents(file: string): number {
  return readFileSync(file, 'utf8')
    .split(/^---$/m)
    .filter((d) => /^kind: /m.test(d)).length;
}

const lint = (file: string) => run(hadolint, ['--no-color', '--failure-threshold', 'style', file]);

/** the manifests kustomization.yaml applies */
function kustomizeResources(): string[] {
  const text = readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8');
  const block = /^resources:\n((?: {2}- .+\n)+)/m.exec(text)?.[1] ?? '';
  return [...block.matchAll(/^ {2}- (\S+)$/gm)].map((m) => m[1]!);
}

/** the environment variable names a manifest sets (`- name: UPPER_CASE` entries) */
function envNames(text: string): string[] {
  return [...new Set([...text.matchAll(/^\s+- name: ([A-Z][A-Z0-9_]*)$/gm)].map((m) => m[1]!))];
}

/** the non-test TypeScript sources under dir, as one text */
function sources(dir: string): string {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.includes('node_modules')) out.push(readFileSync(path, 'utf8'));
  }
  return out.join('\n');
}

// variables read below the services: the Avro schemas' and the city data's directory, and Node's own
const sharedVariables = ['SP_SCHEMAS_DIR', 'SP_SHARED_DATA', 'NODE_OPTIONS', 'NODE_ENV'];
const serviceSources = (service: string) =>
  // the platform reads the gateway's token and browser settings through gatewayEnvShape
  sources(join(root, 'services', service, 'src')) + (service === 'platform' ? sources(join(root, 'services/gateway/src')) : '');

describe('deployment linters', () => {
  it('are installed by the bootstrap (infra/deploy/tools.sh fetch)', () => {
    for (const bin of [kubeconform, hadolint]) expect(existsSync(bin), `${bin} is missing: run infra/bin/bootstrap.sh --engines`).toBe(true);
    expect(kubernetesVersions().length).toBeGreaterThan(0);
  });
});

describe('Kubernetes manifests (infra/deploy/k8s)', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'sp-deploy-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const manifests = () =>
    readdirSync(k8sDir)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .map((f) => join(k8sDir, f));

  it('kustomization.yaml applies every manifest but the secret template', () => {
    const applied = kustomizeResources().sort();
    const present = manifests()
      .map((f) => relative(k8sDir, f))
      .filter((f) => f !== 'secret.example.yaml')
      .sort();
    expect(applied).toEqual(present);
  });

  it('every resource validates strictly against the oldest and the newest Kubernetes schemas', async () => {
    const files = manifests();
    const expected = files.reduce((n, f) => n + documents(f), 0);
    for (const version of kubernetesVersions()) {
      const result = await validate(files, version);
      expect(result.output, `Kubernetes ${version}`).toContain(`Valid: ${expected}, Invalid: 0, Errors: 0, Skipped: 0`);
      expect(result.code, result.output).toBe(0);
    }
  });

  it('a manifest with a misspelt field or a wrong type is refused, naming the place', async () => {
    const original = readFileSync(join(k8sDir, 'gateway.yaml'), 'utf8');
    const misspelt = join(scratch, 'misspelt.yaml');
    writeFileSync(misspelt, original.replace('readinessProbe:', 'readynessProbe:'));
    const wrongType = join(scratch, 'wrong-type.yaml');
    writeFileSync(wrongType, original.replace('replicas: 2', 'replicas: two'));
    const [version] = kubernetesVersions();
    const a = await validate([misspelt], version!);
    expect(a.code).toBe(1);
    expect(a.output).toMatch(/readynessProbe/);
    const b = await validate([wrongType], version!);
    expect(b.code).toBe(1);
    expect(b.output).toMatch(/\/spec\/replicas/);
  });

  it('sets only variables the services read, and runs every container as non-root on a read-only root', () => {
    const workloads: Record<string, string> = { 'platform.yaml': 'platform', 'ingestion.yaml': 'ingestion', 'aggregator.yaml': 'aggregator', 'gateway.yaml': 'gateway' };
    expect(Object.keys(workloads).sort()).toEqual(
      kustomizeResources()
        .filter((f) => f !== 'config.yaml')
        .sort(),
    );
    for (const [file, service] of Object.entries(workloads)) {
      const text = readFileSync(join(k8sDir, file), 'utf8');
      const read = serviceSources(service);
      const unknown = envNames(text).filter((name) => !sharedVariables.includes(name) && !read.includes(name));
      expect(unknown, `${file} sets variables ${service} does not read`).toEqual([]);
      expect(text, file).toMatch(/runAsNonRoot: true/);
      expect(text, file).toMatch(/readOnlyRootFilesystem: true/);
      expect(text, file).toMatch(/allowPrivilegeEscalation: false/);
      expect(text, file).toMatch(/path: \/health\/live/);
      expect(text, file).toMatch(/path: \/health\/ready/);
      expect(text, file).toMatch(/kind: PodDisruptionBudget/);
    }
  });

  it('the variable check notices a misspelt variable', () => {
    const text = readFileSync(join(k8sDir, 'gateway.yaml'), 'utf8').replace('name: GATEWAY_HOST', 'name: GATEWAY_HOSTNAME');
    const read = serviceSources('gateway');
    expect(envNames(text).filter((name) => !sharedVariables.includes(name) && !read.includes(name))).toEqual(['GATEWAY_HOSTNAME']);
  });
});

describe('docs/operations.md', () => {
  it('names every variable an entry point reads', () => {
    // where the entry points read their environment (zod schemas and the files they parse), and the
    // packages that read a variable directly
    const configFiles = [
      ...readdirSync(join(root, 'services'))
        .map((s) => join(root, 'services', s, 'src/main.ts'))
        .filter(existsSync),
      join(root, 'services/platform/src/config.ts'),
      join(root, 'services/ingestion/src/ingestion.config.ts'),
      join(root, 'services/gateway/src/gateway.config.ts'),
    ];
    const variable = /\b(?:SP|KAFKA|DATABASE|CLICKHOUSE|GATEWAY|AGGREGATOR|CHDB)_[A-Z0-9_]*[A-Z0-9]\b/g;
    const read = new Set(configFiles.flatMap((f) => readFileSync(f, 'utf8').match(variable) ?? []));
    for (const pkg of readdirSync(join(root, 'packages')).filter((p) => p !== 'testing' && p !== 'port-contracts')) {
      for (const m of sources(join(root, 'packages', pkg, 'src')).matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)) read.add(m[1]!);
    }
    // the observability, backup, sign-in and tenants work document their own variables
    const docs = ['operations.md', 'observability.md', 'backup.md', 'auth.md', 'tenants.md']
      .map((d) => join(root, 'docs', d))
      .filter(existsSync)
      .map((d) => readFileSync(d, 'utf8'))
      .join('\n');
    expect(read.size).toBeGreaterThan(30);
    expect([...read].filter((name) => !docs.includes(name)).sort()).toEqual([]);
  });
});

describe('Dockerfile (infra/deploy/Dockerfile)', () => {
  const text = readFileSync(dockerfile, 'utf8');
  /** stage name → its lines */
  const stages = new Map<string, string>();
  for (const part of text.split(/^(?=FROM )/m).slice(1)) stages.set(/^FROM \S+(?: AS (\S+))?/.exec(part)?.[1] ?? '', part);

  it('passes hadolint with no finding at any level', async () => {
    const result = await lint(dockerfile);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('a Dockerfile with an unpinned base image and root as its last user fails hadolint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-dockerfile-'));
    try {
      const broken = join(dir, 'Dockerfile');
      writeFileSync(broken, text.replaceAll('node:24.22.3-bookworm-slim', 'node:latest').replace('USER 1000:1000', 'USER root'));
      const result = await lint(broken);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/DL3007/);
      expect(result.output).toMatch(/DL3002/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds one image per entry point on an exactly pinned Node 24, as a numeric non-root user', () => {
    expect([...stages.keys()]).toEqual(expect.arrayContaining(['build', 'runtime', 'platform', 'ingestion', 'aggregator', 'gateway', 'chdb-http']));
    for (const from of text.matchAll(/^FROM (\S+)/gm)) {
      const image = from[1]!;
      if (image === 'scratch' || stages.has(image)) continue;
      expect(image).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
    }
    expect(stages.get('runtime')).toMatch(/^USER 1000:1000$/m);
    for (const service of ['platform', 'ingestion', 'aggregator', 'gateway', 'chdb-http']) {
      const stage = stages.get(service)!;
      expect(stage, service).toMatch(/^FROM runtime AS /);
      expect(stage, service).not.toMatch(/^USER /m);
      expect(stage, service).toContain(`/out/${service} `);
      // the variables the image sets are ones the service reads
      const names = [...stage.matchAll(/([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]!);
      const read = serviceSources(service);
      expect(
        names.filter((n) => !sharedVariables.includes(n) && !read.includes(n)),
        service,
      ).toEqual([]);
    }
    // Node of the image = the Node the tests run on (infra/bin/bootstrap.sh): one major, 24
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node).toMatch(/>=24/);
  });

  it('.dockerignore keeps local data, caches and builds out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.cache', '.data', '.git']) expect(ignored).toContain(entry);
  });
});
