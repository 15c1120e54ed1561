// Area levels are data: the spatial reference in the request's context says which exist. The
// GraphQL scalar AreaLevel only checks the shape of a name (it has no context); this module checks
// the name against the reference — once per operation for every AreaLevel in the document and its
// variables (plugin below), and for the CSV export and report routes by requireLevel(); the OGC
// collections are the levels themselves.
import { type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, Kind, type SelectionSetNode, type TypeNode, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from './context.js';
import { expectedError } from './errors.js';
import type { AreaSource } from './sources.js';

export const areaLevelScalar = 'AreaLevel';

/** The shape every level name has (the spatial reference's own rule): upper case, digits, underscores. */
export const levelNamePattern = /^[A-Z][A-Z0-9_]*$/;

/** An UNKNOWN_AREA_LEVEL error naming the levels this reference has. */
export function unknownLevel(areas: AreaSource, level: string, argument: string) {
  const known = areas.levels().map((l) => l.level);
  return expectedError('UNKNOWN_AREA_LEVEL', `unknown area level ${JSON.stringify(level)}; this spatial reference has the levels ${known.join(', ')}`, {
    argument,
    accepted: known,
  });
}

/** The level when the reference has it; an UNKNOWN_AREA_LEVEL error otherwise. */
export function requireLevel(areas: AreaSource, level: string, argument: string): string {
  if (!areas.levels().some((l) => l.level === level)) throw unknownLevel(areas, level, argument);
  return level;
}

/** Checks every AreaLevel of an operation (literals, defaults and variables) before anything runs. */
export function areaLevelsChecked(): Plugin<GatewayContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as GatewayContext;
      const known = new Set(ctx.areas.levels().map((l) => l.level));
      const unknown = levelsOf(args.schema, args.document, (args.variableValues ?? {}) as Record<string, unknown>).find((l) => !known.has(l.level));
      if (unknown) setResultAndStopExecution({ errors: [unknownLevel(ctx.areas, unknown.level, unknown.argument)] });
    },
  };
}

interface FoundLevel {
  level: string;
  argument: string;
}

// Hand-walked rather than with graphql's TypeInfo: that one checks types by instanceof, and the
// schema may come from the other module instance of graphql (ESM vs CommonJS) than this file's.
// Types are told apart by shape only: wrappers have ofType, input objects getFields, leaves neither.
interface SchemaType {
  name?: string;
  ofType?: SchemaType;
  getFields?: () => Record<string, { type: SchemaType; args?: readonly { name: string; type: SchemaType }[] }>;
}

const named = (type: SchemaType): SchemaType => (type.ofType ? named(type.ofType) : type);

function levelsOf(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>): FoundLevel[] {
  const found: FoundLevel[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const typeNamed = (name: string) => schema.getType(name) as SchemaType | undefined;
  const seen = new Set<string>();

  const literal = (type: SchemaType, node: ValueNode, argument: string): void => {
    const t = named(type);
    if (node.kind === Kind.LIST) {
      for (const v of node.values) literal(t, v, argument);
      return;
    }
    if ((node.kind === Kind.ENUM || node.kind === Kind.STRING) && t.name === areaLevelScalar) found.push({ level: node.value, argument });
    if (node.kind === Kind.OBJECT && t.getFields) {
      const fields = t.getFields();
      for (const f of node.fields) {
        const def = fields[f.name.value];
        if (def) literal(def.type, f.value, `${argument}.${f.name.value}`);
      }
    }
  };

  const selections = (parent: SchemaType | undefined, set: SelectionSetNode | undefined): void => {
    if (!parent || !set) return;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const def = parent.getFields?.()[sel.name.value];
        if (!def) continue;
        for (const arg of sel.arguments ?? []) {
          const argDef = def.args?.find((a) => a.name === arg.name.value);
          if (argDef) literal(argDef.type, arg.value, arg.name.value);
        }
        selections(named(def.type), sel.selectionSet);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        selections(sel.typeCondition ? typeNamed(sel.typeCondition.name.value) : parent, sel.selectionSet);
      } else {
        const fragment = fragments.get(sel.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        seen.add(fragment.name.value);
        selections(typeNamed(fragment.typeCondition.name.value), fragment.selectionSet);
      }
    }
  };

  const value = (type: SchemaType | undefined, v: unknown, path: string): void => {
    if (!type || v === null || v === undefined) return;
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) value(type, item, `${path}[${i}]`);
      return;
    }
    if (type.getFields && typeof v === 'object') {
      for (const [name, field] of Object.entries(type.getFields())) value(named(field.type), (v as Record<string, unknown>)[name], `${path}.${name}`);
      return;
    }
    if (type.name === areaLevelScalar && typeof v === 'string') found.push({ level: v, argument: path });
  };

  for (const op of document.definitions) {
    if (op.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const def of op.variableDefinitions ?? []) {
      let t: TypeNode = def.type;
      while (t.kind !== Kind.NAMED_TYPE) t = t.type;
      const type = typeNamed(t.name.value);
      value(type, variables[def.variable.name.value], `$${def.variable.name.value}`);
      if (type && def.defaultValue) literal(type, def.defaultValue, `$${def.variable.name.value}`);
    }
    const root = op.operation === 'query' ? schema.getQueryType() : op.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    selections((root ?? undefined) as SchemaType | undefined, op.selectionSet);
  }
  return found;
}
