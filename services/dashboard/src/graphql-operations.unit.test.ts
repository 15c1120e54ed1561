// Every GraphQL operation the dashboard sends, checked against the gateway's committed schema
// (services/gateway/schema.graphql), so a schema change that breaks the page fails here and not in
// a citizen's browser. The operations are found where they are sent: every call of gql()
// (public/js/api.js) in public/js is resolved by the TypeScript checker to the literal document it
// passes, wherever that is declared; a call whose document is not a literal fails the test. Each
// document is validated with graphql-js; the types it carries (`Query<Data, Vars>` in JSDoc) are
// compared with the selections and variables, field by field, nullability included, so the
// type-checked page and the schema cannot drift apart either.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildASTSchema,
  buildSchema,
  type FieldDefinitionNode,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  TypeInfo,
  typeFromAST,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const dashboardRoot = fileURLToPath(new URL('..', import.meta.url));
const publicJs = join(dashboardRoot, 'public/js');
const schemaPath = fileURLToPath(new URL('../../gateway/schema.graphql', import.meta.url));

/** One place that sends an operation: where, its document, and the types its Query<Data, Vars> carries. */
interface SentOperation {
  where: string;
  document: string;
  data: ts.Type | undefined;
  vars: ts.Type | undefined;
  variablesPassed: boolean;
}

interface Found {
  operations: SentOperation[];
  /** places that send something without going through gql() */
  otherSenders: string[];
  /** gql() calls whose document the checker cannot resolve to a literal */
  unresolved: string[];
  checker: ts.TypeChecker;
}

/** The TypeScript program of the browser code, with the options of its tsconfig. */
function browserProgram(): ts.Program {
  const configPath = join(dashboardRoot, 'tsconfig.browser.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  } as ts.ParseConfigFileHost);
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  return ts.createProgram(parsed.fileNames, parsed.options);
}

const where = (node: ts.Node): string => {
  const sf = node.getSourceFile();
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
  return `${relative(dashboardRoot, sf.fileName)}:${line + 1}`;
};

/** Parentheses (and the JSDoc casts they carry) around an expression. */
function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

/** The literal text an expression stands for: a literal, or a const or property initialised with one (followed through names). */
function literalText(e: ts.Expression, checker: ts.TypeChecker, seen = new Set<ts.Node>()): string | null {
  e = unwrap(e);
  if (ts.isNoSubstitutionTemplateLiteral(e) || ts.isStringLiteral(e)) return e.text;
  if (seen.has(e)) return null;
  seen.add(e);
  let symbol = checker.getSymbolAtLocation(e);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const decl = symbol?.valueDeclaration;
  if (!decl) return null;
  if ((ts.isVariableDeclaration(decl) || ts.isPropertyAssignment(decl)) && decl.initializer) {
    if (ts.isVariableDeclaration(decl) && !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const)) return null; // a `let` can change
    return literalText(decl.initializer, checker, seen);
  }
  return null;
}

/** Is this call's callee the function `name` exported by public/js/api.js? */
function callsApi(call: ts.CallExpression, name: string, checker: ts.TypeChecker): boolean {
  let symbol = checker.getSymbolAtLocation(call.expression);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const decl = symbol?.valueDeclaration;
  return !!decl && decl.getSourceFile().fileName === join(publicJs, 'api.js') && symbol?.name === name;
}

function findOperations(program: ts.Program): Found {
  const checker = program.getTypeChecker();
  const found: Found = { operations: [], otherSenders: [], unresolved: [], checker };
  for (const sf of program.getSourceFiles()) {
    if (!sf.fileName.startsWith(publicJs)) continue;
    const isApi = sf.fileName === join(publicJs, 'api.js');
    const walk = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression.getText(sf);
        // the page talks to nothing but /graphql, and only through gql()
        if (!isApi && /^(fetch|XMLHttpRequest|navigator\.sendBeacon|window\.fetch|globalThis\.fetch)$/.test(callee)) found.otherSenders.push(`${where(node)}: ${callee}()`);
        if (callsApi(node, 'gql', checker)) {
          const [query, variables] = node.arguments;
          const text = query ? literalText(query, checker) : null;
          if (!query || text == null) found.unresolved.push(`${where(node)}: gql(${query?.getText(sf) ?? ''})`);
          else {
            const brand = checker.getTypeAtLocation(query);
            const part = (name: string) => {
              const p = brand.getProperty(name);
              return p ? checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(p, query)) : undefined;
            };
            found.operations.push({ where: where(node), document: text, data: part('__data'), vars: part('__vars'), variablesPassed: variables !== undefined });
          }
        }
      }
      if (ts.isNewExpression(node) && !isApi && /^(XMLHttpRequest|WebSocket|EventSource)$/.test(node.expression.getText(sf)))
        found.otherSenders.push(`${where(node)}: new ${node.expression.getText(sf)}()`);
      ts.forEachChild(node, walk);
    };
    walk(sf);
  }
  return found;
}

// ---- comparing the JSDoc types with the schema ---------------------------------------------------

const typeOf = (prop: ts.Symbol, checker: ts.TypeChecker) => checker.getTypeOfSymbolAtLocation(prop, prop.valueDeclaration ?? prop.declarations![0]!);
const members = (t: ts.Type): ts.Type[] => (t.isUnion() ? t.types : [t]);
const isNullish = (t: ts.Type) => (t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0;

/** The type without null and undefined, and whether it admits null. */
function splitNull(t: ts.Type, checker: ts.TypeChecker): { type: ts.Type; nullable: boolean } {
  const nullable = members(t).some((m) => (m.flags & ts.TypeFlags.Null) !== 0);
  return { type: checker.getNonNullableType(t), nullable };
}

function scalarProblem(named: string, t: ts.Type, checker: ts.TypeChecker, enumType: boolean): string | null {
  const all = members(t).filter((m) => !isNullish(m));
  const every = (flags: ts.TypeFlags) => all.length > 0 && all.every((m) => (m.flags & flags) !== 0);
  if (enumType || named === 'String' || named === 'ID') return every(ts.TypeFlags.StringLike) ? null : `expected string for ${named}, the type says ${checker.typeToString(t)}`;
  if (named === 'Int' || named === 'Float') return every(ts.TypeFlags.NumberLike) ? null : `expected number for ${named}, the type says ${checker.typeToString(t)}`;
  if (named === 'Boolean') return every(ts.TypeFlags.BooleanLike) ? null : `expected boolean, the type says ${checker.typeToString(t)}`;
  return null; // custom scalars (GeoJSON, JSON): any shape
}

function elementType(t: ts.Type, checker: ts.TypeChecker): ts.Type | null {
  if (!checker.isArrayType(t)) return null;
  return checker.getTypeArguments(t as ts.TypeReference)[0] ?? null;
}

/** Compares the type of an answer with the selection of a field of schema type `gql`. */
function compareOutput(path: string, gql: GraphQLOutputType, selection: SelectionSetNode | undefined, t: ts.Type, checker: ts.TypeChecker, schema: GraphQLSchema, problems: string[]): void {
  const { type, nullable } = splitNull(t, checker);
  const nonNull = isNonNullType(gql);
  if (nonNull && nullable) problems.push(`${path}: never null in the schema, the type says ${checker.typeToString(t)}`);
  if (!nonNull && !nullable) problems.push(`${path}: may be null in the schema, the type says ${checker.typeToString(t)} (add | null)`);
  const inner = nonNull ? gql.ofType : gql;
  if (isListType(inner)) {
    const el = elementType(type, checker);
    if (!el) {
      problems.push(`${path}: a list in the schema, the type says ${checker.typeToString(type)}`);
      return;
    }
    compareOutput(`${path}[]`, inner.ofType, selection, el, checker, schema, problems);
    return;
  }
  if (isScalarType(inner) || isEnumType(inner)) {
    const p = scalarProblem(inner.name, type, checker, isEnumType(inner));
    if (p) problems.push(`${path}: ${p}`);
    return;
  }
  if (!isObjectType(inner) || !selection) {
    problems.push(`${path}: ${inner.toString()} is not checked by this test (interfaces and unions are not used yet)`);
    return;
  }
  compareSelection(path, inner.name, selection, type, checker, schema, problems);
}

function compareSelection(path: string, parentType: string, selection: SelectionSetNode, t: ts.Type, checker: ts.TypeChecker, schema: GraphQLSchema, problems: string[]): void {
  const parent = schema.getType(parentType);
  if (!isObjectType(parent)) {
    problems.push(`${path}: ${parentType} is not an object type`);
    return;
  }
  const fields = parent.getFields();
  const keys = new Set<string>();
  for (const sel of selection.selections) {
    if (sel.kind !== Kind.FIELD) {
      problems.push(`${path}: fragments are not checked by this test yet`);
      continue;
    }
    if (sel.name.value === '__typename') continue;
    const key = sel.alias?.value ?? sel.name.value;
    keys.add(key);
    const field = fields[sel.name.value];
    if (!field) continue; // validate() reports unknown fields
    const prop = t.getProperty(key);
    if (!prop) {
      problems.push(
        `${path}.${key}: selected, but the type has no property "${key}" (it has ${
          checker
            .getPropertiesOfType(t)
            .map((p) => p.name)
            .join(', ') || 'none'
        })`,
      );
      continue;
    }
    const conditional = (sel.directives ?? []).some((d) => d.name.value === 'include' || d.name.value === 'skip');
    const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
    if (conditional && !optional) problems.push(`${path}.${key}: absent unless @include/@skip lets it in, the property is not optional`);
    if (!conditional && optional) problems.push(`${path}.${key}: always in the answer, the property is optional`);
    // an optional property adds undefined, never null: nullability is still read from the type
    compareOutput(`${path}.${key}`, field.type, sel.selectionSet, typeOf(prop, checker), checker, schema, problems);
  }
  for (const p of checker.getPropertiesOfType(t)) if (!keys.has(p.name)) problems.push(`${path}.${p.name}: in the type, but not selected`);
}

function compareInput(path: string, gql: GraphQLInputType, t: ts.Type, optional: boolean, checker: ts.TypeChecker, problems: string[]): void {
  const { type, nullable } = splitNull(t, checker);
  if (isNonNullType(gql)) {
    if (nullable || optional) problems.push(`${path}: required by the operation, the type allows it to be missing (${checker.typeToString(t)})`);
    compareInput(path, gql.ofType, type, false, checker, problems);
    return;
  }
  if (isListType(gql)) {
    const el = elementType(type, checker);
    if (!el) {
      problems.push(`${path}: a list in the schema, the type says ${checker.typeToString(type)}`);
      return;
    }
    compareInput(`${path}[]`, gql.ofType, el, false, checker, problems);
    return;
  }
  if (isScalarType(gql) || isEnumType(gql)) {
    const p = scalarProblem(gql.name, type, checker, isEnumType(gql));
    if (p) problems.push(`${path}: ${p}`);
    return;
  }
  if (isInputObjectType(gql)) {
    const fields = gql.getFields();
    const props = new Map(checker.getPropertiesOfType(type).map((p) => [p.name, p]));
    for (const [name, f] of Object.entries(fields)) {
      const prop = props.get(name);
      if (!prop) {
        if (isNonNullType(f.type) && f.defaultValue === undefined) problems.push(`${path}.${name}: required by ${gql.name}, missing in the type`);
        continue;
      }
      compareInput(`${path}.${name}`, f.type, typeOf(prop, checker), (prop.flags & ts.SymbolFlags.Optional) !== 0, checker, problems);
    }
    for (const name of props.keys()) if (!fields[name]) problems.push(`${path}.${name}: not a field of ${gql.name}`);
  }
}

/** Everything wrong with one sent operation against a schema: validation errors, then type drift. */
function problemsOf(op: SentOperation, schema: GraphQLSchema, checker: ts.TypeChecker): string[] {
  let doc: ReturnType<typeof parse>;
  try {
    doc = parse(op.document);
  } catch (e) {
    return [`does not parse: ${(e as Error).message}`];
  }
  const errors = validate(schema, doc).map((e) => e.message);
  if (errors.length) return errors;
  const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const problems: string[] = [];
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!op.data || !op.vars) return ['the document is not typed: declare it as /** @type {Query<Data, Vars>} */ (…) in api.js'];
  compareSelection('data', root!.name, operation.selectionSet, op.data, checker, schema, problems);
  const declared = new Set<string>();
  for (const v of operation.variableDefinitions ?? []) {
    const name = v.variable.name.value;
    declared.add(name);
    const gqlType = typeFromAST(schema, v.type) as GraphQLInputType;
    const prop = op.vars.getProperty(name);
    const required = isNonNullType(gqlType) && v.defaultValue === undefined;
    if (!prop) {
      problems.push(`$${name}: declared by the operation, missing in the variables type`);
      continue;
    }
    compareInput(`$${name}`, required ? gqlType : isNonNullType(gqlType) ? gqlType.ofType : gqlType, typeOf(prop, checker), (prop.flags & ts.SymbolFlags.Optional) !== 0, checker, problems);
  }
  for (const p of checker.getPropertiesOfType(op.vars)) if (!declared.has(p.name)) problems.push(`$${p.name}: in the variables type, not declared by the operation`);
  if (declared.size > 0 && [...(operation.variableDefinitions ?? [])].some((v) => v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue) && !op.variablesPassed)
    problems.push('the operation has required variables, the call passes none');
  return problems;
}

/** Every field path an operation reads, for the failure messages of the schema-change tests. */
function fieldsRead(document: string, schema: GraphQLSchema): string[] {
  const info = new TypeInfo(schema);
  const out: string[] = [];
  visit(
    parse(document),
    visitWithTypeInfo(info, {
      Field(node) {
        const parent = info.getParentType();
        if (parent) out.push(`${parent.name}.${node.name.value}`);
      },
    }),
  );
  return out;
}

// -----------------------------------------------------------------------------------------------

let found: Found;
let schema: GraphQLSchema;
const sdl = readFileSync(schemaPath, 'utf8');
const sdlDocument = parse(sdl);

beforeAll(() => {
  found = findOperations(browserProgram());
  schema = buildSchema(sdl);
}, 60_000);

/** The committed schema with one field of one object type changed (or dropped, when `edit` gives null). */
function editField(typeName: string, field: string, edit: (f: FieldDefinitionNode) => FieldDefinitionNode | null): GraphQLSchema {
  let seen = false;
  const doc = visit(sdlDocument, {
    ObjectTypeDefinition(node) {
      if (node.name.value !== typeName) return undefined;
      const fields = (node.fields ?? []).flatMap((f) => {
        if (f.name.value !== field) return [f];
        seen = true;
        const changed = edit(f);
        return changed ? [changed] : [];
      });
      return { ...node, fields };
    },
  });
  if (!seen) throw new Error(`${typeName}.${field} is not in the schema`);
  return buildASTSchema(doc);
}

const nameOf = (op: SentOperation) => /(?:query|mutation|subscription)\s+(\w+)/.exec(op.document)?.[1] ?? op.where;

describe('the GraphQL operations the dashboard sends', () => {
  it('are all found where gql() is called, as literal documents', () => {
    expect(found.unresolved, 'gql() must get a document the test can read: a literal, or a const/property initialised with one').toEqual([]);
    expect(found.otherSenders, 'the page talks to the API only through gql() in api.js').toEqual([]);
    // the sixteen operations of docs/dashboard.md, the Sozialatlas' two and the workspace's seven (docs/workspace.md), the scenario form's five (docs/dashboard.md) and the Sozialraum topics' four, each sent from at least one place
    expect(new Set(found.operations.map(nameOf))).toEqual(
      new Set([
        'DashboardInit',
        'DashboardNorms',
        'DashboardAreas',
        'DashboardAreaVersions',
        'DashboardAreasAt',
        'DashboardValues',
        'DashboardIndex',
        'DashboardSeries',
        'DashboardOffers',
        'DashboardNeeds',
        'DashboardMeasures',
        'DashboardOperations',
        'DashboardTypology',
        'DashboardSimilar',
        'DashboardRoot',
        'DashboardOffersSynthetic',
        'SozialatlasInit',
        'SozialatlasOffers',
        'WorkspaceChanges',
        'WorkspaceGoal',
        'WorkspaceGoals',
        'WorkspaceMeasures',
        'WorkspaceSaveGoal',
        'WorkspaceSaveMeasure',
        'WorkspaceSaveMilestone',
        'WorkspaceSaveStatusReport',
        'ScenarioSave',
        'ScenarioList',
        'ScenarioSaved',
        'ScenarioNeeds',
        'ScenarioNeedsPair',
        'ScenarioPopulation',
        // „Themen im Sozialraum“ (docs/workspace.md)
        'WorkspaceSaveTheme',
        'WorkspaceThemes',
        'WorkspaceCoreProcess',
        'ThemeAreaCodes',
      ]),
    );
  });

  it('are valid against services/gateway/schema.graphql, and their JSDoc types match what they select', () => {
    const report = found.operations.flatMap((op) => problemsOf(op, schema, found.checker).map((p) => `${nameOf(op)} (${op.where}): ${p}`));
    expect(report).toEqual([]);
  });

  it('fail when the schema drops a field the dashboard reads', () => {
    // every field any operation reads, removed one at a time from the SDL, must break some operation
    const read = new Set(found.operations.flatMap((op) => fieldsRead(op.document, schema)));
    expect(read.size).toBeGreaterThan(50);
    const documents = found.operations.map((op) => parse(op.document));
    const unnoticed: string[] = [];
    for (const path of read) {
      const [typeName, field] = path.split('.') as [string, string];
      const changed = editField(typeName, field, () => null);
      if (documents.every((doc) => validate(changed, doc).length === 0)) unnoticed.push(path);
    }
    expect(unnoticed).toEqual([]);
  }, 60_000);

  it('fail when a field the dashboard reads as never null becomes nullable', () => {
    // validate() accepts this change; the page would then read null where its types say a number
    const changed = editField('NeedsRow', 'supply', (f) => (f.type.kind === Kind.NON_NULL_TYPE ? { ...f, type: f.type.type } : f));
    const report = found.operations.flatMap((op) => problemsOf(op, changed, found.checker));
    // read by the map's needs theme, by the scenario comparison's two calls (basis, scenario) and by
    // the scenario maps' one call with both
    expect(report.sort()).toEqual([
      'data.basis[].supply: may be null in the schema, the type says number (add | null)',
      ...Array(3).fill('data.needs[].supply: may be null in the schema, the type says number (add | null)'),
      'data.planned[].supply: may be null in the schema, the type says number (add | null)',
    ]);
  });
});
