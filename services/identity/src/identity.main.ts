// The identity CLI of the embedded provider, on the identity state the platform uses: the data
// directory (SP_DATA_DIR, default .data), or with SP_ENGINES=servers the PostgreSQL of DATABASE_URL.
// It works beside a running platform (the platform reads the users again when they changed).
//   pnpm identity users add --username NAME --name "Vor Nachname" --role planner|amt|admin [--amt CODE] [--tenant CODE] [--privileged]
//   pnpm identity users list
//   pnpm identity users disable|enable|delete|reset-password --username NAME
//   pnpm identity keys rotate      new signing key; a running platform signs with it after its next key check (SP_IDENTITY_KEY_CHECK_S, 60 s)
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { identityDir, identityStateFromEnv } from './identity.js';
import type { IdentityState } from './identity-state.js';
import { SigningKeyStore } from './signing-keys.store.js';
import { UserRejected, UserStore } from './users.store.js';

const usage = `usage:
  identity users add --username NAME --name "Vor Nachname" --role planner|amt|admin [--amt CODE] [--tenant CODE] [--privileged]
  identity users list
  identity users disable|enable|delete|reset-password --username NAME
  identity keys rotate`;

async function main(argv: string[]): Promise<number> {
  const state = await identityStateFromEnv(process.env, identityDir(resolve(process.env.SP_DATA_DIR?.trim() || '.data')));
  try {
    return await run(argv, state.state);
  } finally {
    await state.close();
  }
}

async function run(argv: string[], state: IdentityState): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'users' && command === 'list') {
    for (const u of await new UserStore(state.documents).list())
      console.log(`${u.username}\t${u.role}${u.amt ? ` (Amt ${u.amt})` : ''}\t${u.name}${u.mustChangePassword ? '\t(Einmalpasswort offen)' : ''}${u.disabled ? '\t(deaktiviert)' : ''}`);
    return 0;
  }
  if (group === 'users' && command === 'add') {
    const { values } = parseArgs({
      args: rest,
      options: { username: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, amt: { type: 'string' }, tenant: { type: 'string' }, privileged: { type: 'boolean' } },
      strict: true,
    });
    return refusedAs2(async () => {
      const { user, oneTimePassword } = await new UserStore(state.documents).create({ ...values, ...(values.privileged ? { privileged: true } : {}) });
      console.log(`Benutzer ${user.username} (${user.role}${user.amt ? `, Amt ${user.amt}` : ''}) angelegt.`);
      console.log(`Einmalpasswort: ${oneTimePassword}`);
      console.log('Bei der ersten Anmeldung wird ein neues Passwort verlangt.');
    });
  }
  if (group === 'users' && (command === 'disable' || command === 'enable' || command === 'delete' || command === 'reset-password')) {
    const { values } = parseArgs({ args: rest, options: { username: { type: 'string' } }, strict: true });
    const username = values.username;
    if (!username) {
      console.error(`users ${command} needs --username NAME\n${usage}`);
      return 2;
    }
    const store = new UserStore(state.documents);
    return refusedAs2(async () => {
      if (command === 'delete') {
        await store.remove(username);
        console.log(`Benutzer ${username} gelöscht.`);
      } else if (command === 'reset-password') {
        const { oneTimePassword } = await store.resetPassword(username);
        console.log(`Neues Einmalpasswort für ${username}: ${oneTimePassword}`);
        console.log('Bei der nächsten Anmeldung wird ein neues Passwort verlangt.');
      } else {
        await store.setDisabled(username, command === 'disable');
        console.log(`Benutzer ${username} ${command === 'disable' ? 'deaktiviert' : 'wieder aktiviert'}.`);
      }
    });
  }
  if (group === 'keys' && command === 'rotate') {
    const keys = await new SigningKeyStore(state.documents).rotate();
    console.log(
      `neuer Signaturschlüssel ${keys[0]!.jwk.kid}; die älteren bleiben veröffentlicht, bis ihre Tokens abgelaufen sind. Die laufende Plattform signiert damit nach ihrer nächsten Schlüsselprüfung (SP_IDENTITY_KEY_CHECK_S, Standard 60 s).`,
    );
    return 0;
  }
  console.error(usage);
  return 2;
}

/** 0 when the work is done; 2 with the store's reason when it refused (a bad field, an unknown or the last admin) */
async function refusedAs2(work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (e) {
    if (!(e instanceof UserRejected)) throw e;
    console.error(e.message);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
