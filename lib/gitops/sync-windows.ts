import { CronExpression, CronExpressionParser } from 'cron-parser';
import { parseDuration } from '../duration';
import { EnvironmentConfig, SyncWindow } from '../config/types';

/*
 * Argo CD's sync-window decision, emulated so that each window set can be tested at chosen instants.
 * Follows argo-cd pkg/apis/application/v1alpha1/types.go: SyncWindows.active (a window is active when
 * its schedule fired within the last `duration`, strictly before now), SyncWindows.inactiveAllows,
 * hasDeny/manualEnabled and SyncWindows.CanSync (sync overrun is not used here). Argo CD shifts by the zone's
 * offset at the moment it evaluates; here the offset at the instant evaluated is used, so tests are reproducible.
 */

/*
 * Schedules are read the way Argo CD reads them: argo-cd pkg/apis/application/v1alpha1/types.go,
 * SyncWindow.Validate and SyncWindow.active, parse with robfig/cron v3's
 * cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow): exactly five fields, no
 * seconds field and no cron.Descriptor flag, so @daily, @every 1h and the like are refused. Its fields
 * (robfig/cron parser.go, getRange) take numbers, ranges, steps, lists, * and ?, and the names JAN-DEC and
 * SUN-SAT in their own fields; day of week runs 0-6. cron-parser reads the same forms and more: the
 * extensions it alone knows (L, W, #, H, 7 for Sunday, seconds, @aliases) are refused here first. Two forms
 * robfig/cron also takes are refused on purpose: a TZ=/CRON_TZ= prefix (the window's timeZone says that)
 * and an empty list element such as "1,".
 */

const NAMES: Record<number, RegExp | undefined> = {
  3: /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\b/gi,
  4: /\b(sun|mon|tue|wed|thu|fri|sat)\b/gi,
};
const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'];

/** Why Argo CD would refuse `schedule`, or undefined when it takes it. */
export function scheduleProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/).filter(Boolean);
  if (fields[0]?.startsWith('@')) return `descriptors such as ${fields[0]} are not accepted (Argo CD's parser has no cron.Descriptor)`;
  if (/^(CRON_)?TZ=/.test(fields[0] ?? '')) return 'a time zone prefix is not used here; set the window\'s timeZone instead';
  if (fields.length !== 5) return `expected exactly 5 fields (minute, hour, day of month, month, day of week), found ${fields.length}`;
  for (const [index, field] of fields.entries()) {
    const names = NAMES[index];
    const bare = names ? field.replace(names, '0') : field;
    if (!/^[0-9*?,/-]+$/.test(bare)) return `${FIELD_NAMES[index]} field "${field}" may hold only numbers, ${index === 3 ? 'JAN-DEC, ' : index === 4 ? 'SUN-SAT, ' : ''}* ? , - and /`;
  }
  // robfig/cron's day of week is 0-6 (cron-parser also takes 7 for Sunday); a step may be 7.
  for (const part of fields[4].split(',')) {
    const bounds = part.split('/')[0].split('-');
    if (bounds.some((bound) => /^\d+$/.test(bound) && Number(bound) > 6)) return `day of week "${part}" is above 6 (Sunday is 0)`;
  }
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** The schedule, parsed; throws with the reason when Argo CD would refuse it. */
function parseSchedule(schedule: string, currentDate: Date): CronExpression {
  const problem = scheduleProblem(schedule);
  if (problem) throw new Error(`schedule '${schedule}' is not one Argo CD accepts: ${problem}`);
  return CronExpressionParser.parse(schedule.trim().split(/\s+/).join(' '), { currentDate, tz: 'UTC' });
}

/** Offset of `timeZone` from UTC at `at`, in milliseconds. */
function zoneOffset(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((part) => part.type === type)!.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/** Whether `window` is active at `at`: its schedule fired after `at - duration` and before `at`. */
export function windowActive(window: SyncWindow, at: Date): boolean {
  const duration = parseDuration(window.duration);
  if (duration === undefined) throw new Error(`duration '${window.duration}' is not a Go duration`);
  // The wall-clock time in the window's zone, written as UTC: the schedule is evaluated in UTC on it.
  const shifted = at.getTime() + zoneOffset(window.timeZone, at);
  // schedule.Next(shifted - duration) is the first firing strictly after it (cron-parser's next() likewise).
  const next = parseSchedule(window.schedule, new Date(shifted - duration)).next().getTime();
  return next < shifted;
}

/** Argo CD's CanSync for the windows that match one Application. */
export function canSync(windows: readonly SyncWindow[], at: Date, manual: boolean): boolean {
  if (windows.length === 0) return true;
  const active = windows.filter((window) => windowActive(window, at));
  const activeDenies = active.filter((window) => window.kind === 'deny');
  if (activeDenies.length > 0) return manual && activeDenies.every((window) => window.manualSync);
  if (active.some((window) => window.kind === 'allow')) return true;
  const inactiveAllows = windows.filter((window) => window.kind === 'allow' && !active.includes(window));
  if (inactiveAllows.length > 0) return manual && inactiveAllows.every((window) => window.manualSync);
  return true;
}

/**
 * The windows as rendered into the AppProject: a deny window is a real freeze (manual syncs blocked
 * too) unless the environment states an incident override, which lets manual syncs through it.
 */
export function effectiveWindows(env: EnvironmentConfig): SyncWindow[] {
  const override = env.gitops.freezeOverride;
  return env.gitops.syncWindows.map((window) => window.kind === 'deny' && override
    ? { ...window, manualSync: true, description: `incident override: ${override.reason}` }
    : { ...window });
}

/** Window sets that would not do what they say; returned as rule violations of the environment. */
export function syncWindowProblems(env: EnvironmentConfig): { field: string; value: unknown; rule: string; fix: string }[] {
  const problems: { field: string; value: unknown; rule: string; fix: string }[] = [];
  env.gitops.syncWindows.forEach((window, index) => {
    const scheduleRule = scheduleProblem(window.schedule);
    if (scheduleRule) {
      problems.push({
        field: `gitops.syncWindows[${index}].schedule`, value: window.schedule, rule: `is not a schedule Argo CD parses (robfig/cron, five fields): ${scheduleRule}`,
        fix: 'write minute, hour, day of month, month and day of week, like 0 7 * * 1-5',
      });
    }
    const field = `gitops.syncWindows[${index}].manualSync`;
    if (window.kind === 'deny' && window.manualSync) {
      problems.push({
        field, value: true, rule: 'a deny window with manualSync lets every manual sync through, so it freezes nothing where syncs are manual',
        fix: 'set manualSync: false, and gitops.freezeOverride with a reason during an incident',
      });
    }
    if (window.kind === 'allow' && !window.manualSync) {
      problems.push({
        field, value: false, rule: 'an allow window without manualSync blocks manual syncs whenever it is closed, incident fixes included',
        fix: 'set manualSync: true; freeze with a deny window instead',
      });
    }
  });
  if (env.gitops.freezeOverride && !env.gitops.freezeOverride.reason.trim()) {
    problems.push({ field: 'gitops.freezeOverride.reason', value: env.gitops.freezeOverride.reason, rule: 'an incident override must say why', fix: 'name the incident or ticket' });
  }
  return problems;
}
