import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';

/**
 * The one-line outcome of an account form post, shown once on the page it redirects to. A cookie
 * rather than a query parameter, so nobody can craft a link that shows their words on our page.
 */
export interface Flash { kind: 'ok' | 'error'; message: string }

const flashSchema = z.object({ kind: z.enum(['ok', 'error']), message: z.string().max(1000) });

/** A flash of its own for the pages under `path` (My tasks, Daily Follow-Up): set on a post, taken once on the page. */
export function flashCookie(name: string, path: string) {
  return {
    set(c: Context, flash: Flash, secure: boolean): void {
      setCookie(c, name, JSON.stringify({ kind: flash.kind, message: flash.message.slice(0, 1000) }), {
        httpOnly: true, sameSite: 'Lax', secure, path, maxAge: 60,
      });
    },
    /** Reads the flash and clears it, so a reload does not repeat it. */
    take(c: Context): Flash | null {
      const raw = getCookie(c, name);
      if (raw === undefined) return null;
      deleteCookie(c, name, { path });
      try {
        const parsed = flashSchema.safeParse(JSON.parse(raw));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
  };
}

const accountFlash = flashCookie('relay_flash', '/accounts');

export function setFlash(c: Context, flash: Flash, secure: boolean): void {
  accountFlash.set(c, flash, secure);
}

/** Reads the flash and clears it, so a reload does not repeat it. */
export function takeFlash(c: Context): Flash | null {
  return accountFlash.take(c);
}
