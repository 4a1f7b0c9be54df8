/**
 * tRPC errors as forms show them: the server's `data.issues` (zod's, or the conductor's refusals
 * tied to a field) keyed by field path, and one readable line for everything else.
 */
export interface FormErrors {
  /** `steps.0.args.seconds` → "must be a number". */
  fields: Record<string, string>;
  /** What is not about one field, or the whole message when nothing is. */
  summary: string | null;
}

interface MaybeTRPCError {
  message?: unknown;
  data?: { issues?: { path: string[]; message: string }[] | null } | null;
}

export function formErrors(error: unknown): FormErrors {
  if (!error) return { fields: {}, summary: null };
  const e = error as MaybeTRPCError;
  const issues = e.data?.issues ?? [];
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.join('.');
    fields[key] = fields[key] ? `${fields[key]}; ${issue.message}` : issue.message;
  }
  const message = typeof e.message === 'string' ? e.message : 'Something went wrong.';
  // With every problem beside its field the summary only says that something needs fixing.
  const summary = issues.length > 0 ? 'Fix the highlighted fields.' : message;
  return { fields, summary };
}
