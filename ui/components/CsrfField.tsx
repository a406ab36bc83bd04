export const CSRF_FIELD_NAME = '_csrf';

/** The hidden field every dashboard form carries (checked by api/middleware/csrfToken.ts). */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD_NAME} value={props.token} />;
}
