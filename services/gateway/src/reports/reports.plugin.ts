// The HTTP side of the reports inside the gateway's yoga, with the same token handling and request
// context (viewer, IndicatorService, registry, planning) as GraphQL and the CSV exports:
//   GET  /reports/gebietsprofil/{LEVEL}/{code}.{pdf|docx}?period=&indicators=   one profile, on demand
//   POST /reports/sozialbericht.{pdf|docx}?level=&period=                        202 {id, status}
//   GET  /reports/jobs/{id}                                                      progress
//   GET  /reports/jobs/{id}/download                                             the finished file
// Errors are the CSV exports' {errors: [{message, extensions: {code}}]} with their HTTP status.
import type { Plugin } from 'graphql-yoga';
import { z } from 'zod';
import { requireLevel } from '../area-levels.js';
import { type Authenticate, roles, type Viewer } from '../auth/viewer.js';
import type { GatewayContext } from '../context.js';
import { expectedError, httpStatusFor, isExpected, userCausedSourceError } from '../errors.js';
import { checkPeriod } from '../indicators/periods.js';
import type { Limits } from '../limits.js';
import { renderDocx } from './profile.docx.js';
import type { GebietsProfil } from './profile.model.js';
import { renderPdf, type ReportDocument } from './profile.pdf.js';
import { levelLabel, ProfileService } from './profile.service.js';
import { formatFigure, formatPeriod, formatZ } from './report.format.js';
import type { JobPlan, JobPlanner, ReportFile, ReportJobs } from './report.jobs.js';

export const reportsPrefix = '/reports/';
const formats = ['pdf', 'docx'] as const;
type Format = (typeof formats)[number];

const profilePath = /^\/reports\/gebietsprofil\/([^/]+)\/([^/]+)\.([a-z]+)$/;
const batchPath = /^\/reports\/sozialbericht\.([a-z]+)$/;
const jobPath = /^\/reports\/jobs\/([0-9a-f-]{36})(\/download)?$/;

const usage =
  'available: GET /reports/gebietsprofil/{LEVEL}/{code}.pdf|.docx?period=2012, POST /reports/sozialbericht.pdf|.docx?level=LEVEL&period=2012, GET /reports/jobs/{id}, GET /reports/jobs/{id}/download';

const contentTypes: Record<Format, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

export function isReportPath(pathname: string): boolean {
  return pathname.startsWith(reportsPrefix);
}

function format(value: string): Format {
  if ((formats as readonly string[]).includes(value)) return value as Format;
  throw expectedError('NOT_FOUND', `no report format ".${value}"; accepted: ${formats.map((f) => `.${f}`).join(', ')}`, { argument: 'format' });
}

function checkParams(params: URLSearchParams, known: readonly string[], where: string): void {
  for (const key of params.keys()) {
    if (!known.includes(key)) throw expectedError('BAD_USER_INPUT', `${where}: unknown query parameter "${key}"; accepted: ${known.join(', ') || 'none'}`, { argument: key });
  }
}

const list = (v: string | null) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;

async function render(doc: ReportDocument, as: Format): Promise<Uint8Array> {
  return as === 'pdf' ? renderPdf(doc) : renderDocx(doc);
}

const safeName = (s: string) => s.replace(/[^\w.-]+/g, '_');

function profileDocument(p: GebietsProfil): ReportDocument {
  return {
    title: `Gebietsprofil ${p.area.name}`,
    subtitle: `${p.area.levelLabel} ${p.area.name} · ${p.tenant}${p.period ? ` · ${formatPeriod(p.period)}` : ''}`,
    confidential: p.confidential,
    profiles: [p],
  };
}

/** What a Sozialbericht job builds; kept with the job, so another replica can build it again. */
const batchSpec = z.object({ level: z.string().min(1), period: z.string().nullable(), format: z.enum(formats) });
type BatchSpec = z.infer<typeof batchSpec>;
/** the starter's viewer as kept with the job */
const storedViewer = z.object({
  role: z.enum(roles),
  amt: z.string().nullable(),
  privileged: z.boolean(),
  subject: z.string().nullable(),
  name: z.string().nullable().optional(),
  tenant: z.string().nullable().optional(),
});

/**
 * Plans a Sozialbericht job: at the POST (checks level and period, counts the areas) and again at
 * a takeover, from the spec and viewer kept with the job. The rebuilt report has the starter's
 * rights, as the first build had: the viewer was checked from their token when they started it,
 * and the job only finishes what they asked for (nothing is rechecked: with an external sign-in
 * provider the gateway could not tell a removed user from one who is just signed out).
 */
export function sozialberichtPlanner(contextFor: (viewer: Viewer, extras?: { untimed?: boolean }) => GatewayContext, limits: Limits): JobPlanner {
  return (storedAs: unknown, specAs: unknown): JobPlan => {
    const parsedViewer = storedViewer.safeParse(storedAs);
    const parsedSpec = batchSpec.safeParse(specAs);
    if (!parsedViewer.success || !parsedSpec.success) throw expectedError('BAD_USER_INPUT', 'this report job was started by an older version and cannot be built again; start it again');
    const viewer: Viewer = parsedViewer.data;
    const { level, period, format: as }: BatchSpec = parsedSpec.data;
    const ctx = contextFor(viewer, { untimed: true });
    requireLevel(ctx.areas, level, 'level');
    if (period != null) checkPeriod(period, 'period', limits);
    const since = period ? `${period.slice(0, 4)}-01-01` : ctx.today;
    // areas that ended before the report's period are history, not part of the report
    const areas = ctx.areas.areas(level).filter((a) => !a.validTo || a.validTo >= since);
    if (areas.length === 0) throw expectedError('BAD_USER_INPUT', `level ${level} has no areas in this city's spatial reference`, { argument: 'level' });
    const work = async (progress: (done: number) => void, signal: AbortSignal): Promise<ReportFile> => {
      // one context for the whole batch: its loaders read each level-wide slice once
      const service = new ProfileService(ctx);
      const profiles: GebietsProfil[] = [];
      for (const a of areas) {
        // this process stopped, or another replica took the job over: no more reads for it here
        signal.throwIfAborted();
        profiles.push(await service.build({ level, code: a.code, period }));
        progress(profiles.length);
        // let requests in between areas
        await new Promise((r) => setImmediate(r));
      }
      const first = profiles[0]!;
      const index = first.indices[0];
      const key = first.indicators[0];
      const head = ['Schlüssel', 'Gebiet', ...(index ? [index.name] : []), ...(key ? [key.name] : [])];
      const rows = profiles.map((p) => {
        const ix = p.indices.find((i) => i.code === index?.code);
        const ind = p.indicators.find((i) => i.code === key?.code);
        return [
          p.area.code,
          p.area.name,
          ...(index ? [ix?.scored ? `${ix.classLabel ?? '–'} (${ix.score != null ? formatZ(ix.score) : '–'})` : 'nicht bewertet'] : []),
          ...(key && ind ? [formatFigure(ind.area, ind)] : key ? ['–'] : []),
        ];
      });
      const doc: ReportDocument = {
        title: `Sozialbericht ${first.tenant}`,
        subtitle: `${levelLabel(level)}: ${profiles.length} Gebiete${first.period ? ` · ${formatPeriod(first.period)}` : ''}`,
        confidential: first.confidential,
        profiles,
        overview: { head, rows },
      };
      const body = await render(doc, as);
      return { body, contentType: contentTypes[as], filename: `sozialbericht_${safeName(level.toLowerCase())}${period ? `_${period}` : ''}.${as}` };
    };
    return { total: areas.length, work };
  };
}

export function reportRoutes(authenticate: Authenticate, contextFor: (viewer: Viewer, extras?: { untimed?: boolean }) => GatewayContext, limits: Limits, jobs: ReportJobs): Plugin<GatewayContext> {
  const withTimeout = async <T>(ctx: GatewayContext, work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ctx.abort.abort();
          reject(expectedError('TIMEOUT', `the report took longer than ${limits.requestTimeoutMs} ms and was cut off; fewer indicators (indicators=…) make it shorter`));
        }, limits.requestTimeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  };

  const profile = async (viewer: Viewer, url: URL, level: string, code: string, ext: string): Promise<Response> => {
    const as = format(ext);
    checkParams(url.searchParams, ['period', 'indicators'], url.pathname);
    const ctx = contextFor(viewer);
    const service = new ProfileService(ctx);
    const p = await withTimeout(
      ctx,
      service.build({ level: level.toUpperCase(), code: decodeURIComponent(code), period: url.searchParams.get('period'), indicators: list(url.searchParams.get('indicators')) }),
    );
    const body = await render(profileDocument(p), as);
    return file({ body, contentType: contentTypes[as], filename: `gebietsprofil_${safeName(p.area.level.toLowerCase())}_${safeName(p.area.code)}${p.period ? `_${p.period}` : ''}.${as}` });
  };

  const startBatch = async (viewer: Viewer, url: URL, ext: string): Promise<Response> => {
    const as = format(ext);
    checkParams(url.searchParams, ['level', 'period'], url.pathname);
    const level = url.searchParams.get('level')?.toUpperCase();
    if (!level) throw expectedError('BAD_USER_INPUT', 'query parameter level is required (e.g. level=STADTTEIL)', { argument: 'level' });
    const spec: BatchSpec = { level, period: url.searchParams.get('period'), format: as };
    // planned here to check the request before the limit of running jobs is asked
    const plan = jobs.plan(viewer, spec);
    if (!(await jobs.canStart())) throw expectedError('RATE_LIMITED', 'two reports are being built already; try again in a minute', { retryAfter: 60 });
    const job = await jobs.start(viewer, spec, plan);
    return json(202, { id: job.id, state: job.state, done: 0, total: job.total, status: `/reports/jobs/${job.id}` }, { location: `/reports/jobs/${job.id}` });
  };

  return {
    async onRequest({ request, url, endResponse }) {
      if (!isReportPath(url.pathname)) return;
      try {
        const viewer = await authenticate(request.headers.get('authorization'));
        const p = profilePath.exec(url.pathname);
        const b = batchPath.exec(url.pathname);
        const j = jobPath.exec(url.pathname);
        const allow = b ? 'POST' : 'GET, HEAD';
        if (!p && !b && !j) throw expectedError('NOT_FOUND', `no report at ${url.pathname}; ${usage}`);
        if (!allow.split(', ').includes(request.method)) {
          endResponse(new Response(`${allow} only`, { status: 405, headers: { allow } }));
          return;
        }
        if (p) {
          endResponse(await profile(viewer, url, p[1]!, p[2]!, p[3]!));
        } else if (b) {
          endResponse(await startBatch(viewer, url, b[1]!));
        } else if (j) {
          checkParams(url.searchParams, [], url.pathname);
          const job = await jobs.get(j[1]!, viewer);
          if (!job) throw expectedError('NOT_FOUND', `no report job ${j[1]} for this caller (jobs belong to whoever started them and are kept for an hour after they finish)`);
          if (!j[2]) {
            endResponse(
              json(200, {
                id: job.id,
                state: job.state,
                done: job.done,
                total: job.total,
                ...(job.error ? { error: job.error } : {}),
                ...(job.state === 'done' ? { download: `/reports/jobs/${job.id}/download` } : {}),
              }),
            );
          } else if (job.state !== 'done' || !job.file) {
            endResponse(
              json(409, { errors: [{ message: `report job ${job.id} is ${job.state} (${job.done}/${job.total} areas); download when its state is "done"`, extensions: { code: 'NOT_READY' } }] }),
            );
          } else endResponse(file(job.file));
        }
      } catch (error) {
        endResponse(errorResponse(error));
      }
    },
  };
}

function file(f: ReportFile): Response {
  return new Response(f.body as BodyInit, {
    status: 200,
    headers: { 'content-type': f.contentType, 'content-disposition': `attachment; filename="${f.filename.replace(/[^\w.-]/g, '_')}"`, 'cache-control': 'no-store' },
  });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers } });
}

function errorResponse(error: unknown): Response {
  const e = isExpected(error) ? error : userCausedSourceError(error);
  // unexpected: the operator needs it, the caller gets the masked answer
  if (!e) console.error('[reports] unexpected error', error);
  if (!e) return json(500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  const code = String(e.extensions.code);
  const retryAfter = e.extensions.retryAfter;
  return json(httpStatusFor(code), { errors: [{ message: e.message, extensions: { code } }] }, retryAfter ? { 'retry-after': String(retryAfter) } : {});
}
