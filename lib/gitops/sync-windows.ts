import { parseDuration } from '../duration';
import { EnvironmentConfig, SyncWindow } from '../config/types';

/*
 * Argo CD's sync-window decision, emulated so that each window set can be tested at chosen instants.
 * Follows argo-cd pkg/apis/application/v1alpha1/types.go: SyncWindows.active (a window is active when
 * its schedule fired within the last `duration`, strictly before now), SyncWindows.inactiveAllows,
 * hasDeny/manualEnabled and SyncWindows.CanSync (sync overrun is not used here). Argo CD shifts by the zone's
 * offset at the moment it evaluates; here the offset at the instant evaluated is used, so tests are reproducible.
 */

function parseField(field: string, min: number, max: number): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let from: number;
    let to: number;
    if (range === '*') {
      [from, to] = [min, max];
    } else if (range.includes('-')) {
      [from, to] = range.split('-').map(Number);
    } else {
      from = Number(range);
      to = stepText === undefined ? from : max;
    }
    if (![from, to, step].every(Number.isInteger) || from < min || to > max || from > to || step < 1) {
      throw new Error(`cron field '${field}' is not supported (numbers, ranges, lists and steps between ${min} and ${max})`);
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

interface Cron {
  readonly minutes: Set<number>; readonly hours: Set<number>; readonly days: Set<number>;
  readonly months: Set<number>; readonly weekdays: Set<number>;
  readonly daysRestricted: boolean; readonly weekdaysRestricted: boolean;
}

/** A five-field cron expression as robfig/cron's standard parser reads it (numeric forms). */
export function parseCron(schedule: string): Cron {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron schedule '${schedule}' must have five fields`);
  const weekdays = parseField(fields[4], 0, 7);
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    minutes: parseField(fields[0], 0, 59), hours: parseField(fields[1], 0, 23), days: parseField(fields[2], 1, 31),
    months: parseField(fields[3], 1, 12), weekdays,
    daysRestricted: !fields[2].startsWith('*'), weekdaysRestricted: !fields[4].startsWith('*'),
  };
}

/** Matches a wall-clock minute given as UTC fields (the caller has shifted it into the window's zone). */
function matches(cron: Cron, at: Date): boolean {
  if (!cron.minutes.has(at.getUTCMinutes()) || !cron.hours.has(at.getUTCHours()) || !cron.months.has(at.getUTCMonth() + 1)) return false;
  const day = cron.days.has(at.getUTCDate());
  const weekday = cron.weekdays.has(at.getUTCDay());
  // robfig/cron: when both day fields are restricted, either may match.
  return cron.daysRestricted && cron.weekdaysRestricted ? day || weekday : day && weekday;
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

const MINUTE = 60_000;

/** Whether `window` is active at `at`: its schedule fired after `at - duration` and before `at`. */
export function windowActive(window: SyncWindow, at: Date): boolean {
  const cron = parseCron(window.schedule);
  const duration = parseDuration(window.duration);
  if (duration === undefined) throw new Error(`duration '${window.duration}' is not a Go duration`);
  const shifted = at.getTime() + zoneOffset(window.timeZone, at);
  // schedule.Next(shifted - duration): the first whole minute strictly after it.
  let fire = Math.floor((shifted - duration) / MINUTE) * MINUTE + MINUTE;
  for (; fire < shifted; fire += MINUTE) {
    if (matches(cron, new Date(fire))) return true;
  }
  return false;
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
