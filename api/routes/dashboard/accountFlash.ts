import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';

/**
 * The one-line outcome of an account form post, shown once on the page it redirects to. A cookie
 * rather than a query parameter, so nobody can craft a link that shows their words on our page.
 */
export interface Flash { kind: 'ok' | 'error'; message: string }

const FLASH_COOKIE = 'relay_flash';
const flashSchema = z.object({ kind: z.enum(['ok', 'error']), message: z.string().max(1000) });

export function setFlash(c: Context, flash: Flash, secure: boolean): void {
  setCookie(c, FLASH_COOKIE, JSON.stringify({ kind: flash.kind, message: flash.message.slice(0, 1000) }), {
    httpOnly: true, sameSite: 'Lax', secure, path: '/accounts', maxAge: 60,
  });
}

/** Reads the flash and clears it, so a reload does not repeat it. */
export function takeFlash(c: Context): Flash | null {
  const raw = getCookie(c, FLASH_COOKIE);
  if (raw === undefined) return null;
  deleteCookie(c, FLASH_COOKIE, { path: '/accounts' });
  try {
    const parsed = flashSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
