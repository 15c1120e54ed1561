// Guessing passwords at the embedded login page, slowed down before any password is hashed:
//
// - per account: after `accountFailures` wrong passwords in a row the account is locked for
//   `lockS`, doubling with every further failure up to `maxLockS`; a correct password ends it. A
//   name nobody has counts like one that exists, so the answers tell no one which names exist.
// - per client address: `addressFailures` wrong passwords within `addressWindowS` lock the
//   address for `addressWindowS`, whatever names it tries (one address walking through many names).
//
// A refused attempt costs no hash (scrypt takes 128 MiB and ~0.3 s of a core per attempt). The counts
// are entries of the identity state (identity-state.ts): files of the data directory in the embedded
// default (bounded: beyond `maxEntries` the least recently failed are forgotten first), PostgreSQL in
// servers mode, where every replica counts into the same entry (one update at a time); a restart
// forgets nothing in either, so restarting the platform does not give a guesser a fresh count. An account's count is forgotten a day after its
// last failure, an address's failures when they leave the window.
import { type EntryStore, type IdentityState, MemoryEntries } from './identity-state.js';

export interface LoginThrottleSettings {
  /** wrong passwords in a row before an account is locked (default 5) */
  accountFailures: number;
  /** the first lock of an account, in seconds (default 60); doubles with each further failure */
  lockS: number;
  /** the longest lock of an account (default 900 s) */
  maxLockS: number;
  /** wrong passwords from one address within addressWindowS before it is locked (default 20) */
  addressFailures: number;
  /** the address window and lock, in seconds (default 900) */
  addressWindowS: number;
  /** accounts and addresses remembered each (default 10,000) */
  maxEntries: number;
}

export const defaultLoginThrottle: LoginThrottleSettings = { accountFailures: 5, lockS: 60, maxLockS: 900, addressFailures: 20, addressWindowS: 900, maxEntries: 10_000 };

interface AccountState {
  failures: number;
  lockedUntil: number;
}

interface AddressState {
  /** times of the failures within the window, oldest first */
  failures: number[];
  lockedUntil: number;
}

/** an account's count is kept this long after its last failure */
const accountMemoryMs = 24 * 3600_000;

export class LoginThrottle {
  private readonly settings: LoginThrottleSettings;
  private readonly accounts: EntryStore;
  private readonly addresses: EntryStore;

  /** `state`: where the counts are kept (default: this process's memory alone, as the unit tests' clock needs) */
  constructor(
    settings: Partial<LoginThrottleSettings> = {},
    private readonly now: () => number = Date.now,
    state?: IdentityState,
  ) {
    this.settings = { ...defaultLoginThrottle, ...settings };
    const { maxEntries } = this.settings;
    this.accounts = state?.entries('login-account', { maxEntries }) ?? new MemoryEntries(now, maxEntries);
    this.addresses = state?.entries('login-address', { maxEntries }) ?? new MemoryEntries(now, maxEntries);
  }

  /** seconds until `username` may be tried from `address` again (rounded up), or 0 when it may be now */
  async waitS(address: string, username: string): Promise<number> {
    const [account, at] = await Promise.all([this.accounts.get<AccountState>(accountKey(username)), this.addresses.get<AddressState>(address)]);
    const now = this.now();
    const until = Math.max(account?.lockedUntil ?? 0, at?.lockedUntil ?? 0);
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  /** a wrong password (or an unknown name): counts for the account and the address */
  async failed(address: string, username: string): Promise<void> {
    const s = this.settings;
    await Promise.all([
      this.accounts.update<AccountState>(accountKey(username), (current) => {
        const now = this.now();
        const failures = (current?.failures ?? 0) + 1;
        const lockedUntil = failures >= s.accountFailures ? now + Math.min(s.maxLockS, s.lockS * 2 ** (failures - s.accountFailures)) * 1000 : (current?.lockedUntil ?? 0);
        return { value: { failures, lockedUntil }, expiresAt: Math.max(lockedUntil, now + accountMemoryMs) };
      }),
      this.addresses.update<AddressState>(address, (current) => {
        const now = this.now();
        const windowStart = now - s.addressWindowS * 1000;
        const failures = [...(current?.failures ?? []).filter((t) => t > windowStart), now].slice(-s.addressFailures);
        const lockedUntil = failures.length >= s.addressFailures ? now + s.addressWindowS * 1000 : (current?.lockedUntil ?? 0);
        return { value: { failures, lockedUntil }, expiresAt: Math.max(lockedUntil, now + s.addressWindowS * 1000) };
      }),
    ]);
  }

  /** a correct password: the account's count starts over (the address keeps its failures) */
  async succeeded(username: string): Promise<void> {
    await this.accounts.delete(accountKey(username));
  }
}

/** names are compared as the user store does (exactly), but trimmed and lower-cased here so that "Admin " counts for "admin" */
const accountKey = (username: string) => username.trim().toLowerCase().slice(0, 128);

/** at most `max` at once; at most `queue` more wait (beyond that: Busy); a flood of logins must not take 128 MiB a hash each at once */
export class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly queue: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.queue) throw new Busy();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

export class Busy extends Error {
  override readonly name = 'Busy';
  constructor() {
    super('too many sign-ins at once; try again in a few seconds');
  }
}
