/** Express side of client authentication: Bearer token in, verdict out; failures become a bare 401. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthFailureReason, TokenVerifier, Verdict } from './verify';

/** Mapped to a bare 401 in src/http/errors.ts; the reason is logged, never sent. */
export class AuthenticationError extends Error {
  constructor(readonly reason: AuthFailureReason) {
    super(`unauthorized: ${reason}`);
    this.name = 'AuthenticationError';
  }
}

export function authenticate(
  verifier: TokenVerifier,
  publicBaseUrl: string | undefined,
  onVerdict: (res: Response, verdict: Verdict) => void,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const verdict = await verifier.verify(
      bearerToken(req.get('authorization')),
      audienceOf(req, publicBaseUrl),
    );
    onVerdict(res, verdict);
    if (!verdict.ok) {
      next(new AuthenticationError(verdict.reason));
      return;
    }
    next();
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The exact URL called, without its query: behind a proxy from PUBLIC_BASE_URL,
 * else from this request's protocol and Host.
 */
export function audienceOf(req: Request, publicBaseUrl: string | undefined): string {
  const path = req.originalUrl.split('?')[0] ?? '/';
  const base = publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? ''}`;
  return `${base.replace(/\/+$/, '')}${path}`;
}
