// The shape every planning aggregate (goal, measure, milestone, status report) follows: an Emmett-style
// decider with pure decide/evolve/initialState, commands and events as plain { type, data, metadata }.
// Time, ids and the actor arrive in the command's metadata, so deciders never read a clock.

export interface PlanningMetadata {
  /** Unique and deterministic per event: re-delivering the same record version yields the same id. */
  readonly eventId: string;
  /** Id of the feed delivery that carried the record version (ties the audit trail to the delivery). */
  readonly deliveryId: string;
  /** Who made the change (Amt user, feed account). */
  readonly actor: string;
  /** When the change was accepted, ISO date-time. */
  readonly at: string;
  readonly recordKey: string;
  readonly recordVersion: number;
}

export interface PlanningCommand<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: PlanningMetadata;
}

export interface PlanningEvent<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: PlanningMetadata;
}

export interface Decider<State, Command, Event> {
  /**
   * The events a command causes, in order: one for every change here, none when nothing happens
   * (withdrawing a withdrawn record again). A command that breaks a rule throws a PlanningDomainError.
   * As Emmett's decider (src/packages/emmett/src/typing/decider.ts), always a list.
   */
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/**
 * A withdrawal: the Amt took back a record it delivered by mistake (a tombstone in the event log). The
 * withdrawn aggregate keeps its last state, so its history stays readable and a later version of the
 * record can bring it back.
 */
export interface Withdrawal {
  /** version of the tombstone */
  readonly version: number;
  readonly at: string;
  readonly actor: string;
  readonly deliveryId: string;
}

export function withdrawalOf(metadata: PlanningMetadata): Withdrawal {
  return { version: metadata.recordVersion, at: metadata.at, actor: metadata.actor, deliveryId: metadata.deliveryId };
}

/** Folds events into state; the way a stream is rehydrated. */
export function fold<S, C, E>(decider: Decider<S, C, E>, events: readonly E[], from: S = decider.initialState()): S {
  return events.reduce((s, e) => decider.evolve(s, e), from);
}

/** Turns a command's metadata into the event's metadata (kept as its own function so every decider does it alike). */
export function eventMetadata(command: { metadata: PlanningMetadata }): PlanningMetadata {
  return { ...command.metadata };
}

/** Compile-time exhaustiveness: a new command or event type that is not handled fails `pnpm typecheck`. */
export function assertNever(value: never, what: string): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}

/** ISO dates (YYYY-MM-DD) and ISO date-times compare correctly as strings once cut to the date. */
export function isoDay(value: string): string {
  return value.slice(0, 10);
}
