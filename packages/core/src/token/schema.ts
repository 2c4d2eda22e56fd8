/**
 * The Standard Schema v1 interface (https://standardschema.dev), implemented by zod, valibot,
 * arktype and others. Copied here as the spec recommends, so the core has no dependency for it.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  /** The Standard Schema properties interface. */
  export interface Props<Input = unknown, Output = Input> {
    /** The version number of the standard. */
    readonly version: 1;
    /** The vendor name of the schema library. */
    readonly vendor: string;
    /** Validates an unknown input value. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** Inferred types associated with the schema. */
    readonly types?: Types<Input, Output> | undefined;
  }
  /** The result of validation. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  /** A successful validation. */
  export interface SuccessResult<Output> {
    /** The typed output value. */
    readonly value: Output;
    /** No issues on success. */
    readonly issues?: undefined;
  }
  /** A failed validation. */
  export interface FailureResult {
    /** The issues of failed validation. */
    readonly issues: ReadonlyArray<Issue>;
  }
  /** One validation issue. */
  export interface Issue {
    /** The error message of the issue. */
    readonly message: string;
    /** The path of the issue, if any. */
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  /** A path segment of an issue. */
  export interface PathSegment {
    /** The key representing a path segment. */
    readonly key: PropertyKey;
  }
  /** Input and output types of a schema. */
  export interface Types<Input = unknown, Output = Input> {
    /** The input type of the schema. */
    readonly input: Input;
    /** The output type of the schema. */
    readonly output: Output;
  }
  /** Infers the input type of a schema. */
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['input'];
  /** Infers the output type of a schema. */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['output'];
}

/**
 * Validates the `claims` option: a Standard Schema (zod, valibot, arktype…).
 * @throws TypeError starting `tokengate: ${label}`.
 */
export function validateClaimsSchema(value: unknown, label: string): StandardSchemaV1 {
  if (typeof (value as StandardSchemaV1)?.['~standard']?.validate !== 'function') {
    throw new TypeError(`tokengate: ${label} must be a Standard Schema (zod, valibot, arktype, …)`);
  }
  return value as StandardSchemaV1;
}
