/** Where keys may be fetched from: https, http only on loopback hosts the operator wrote, no credentials. */
import { describe, expect, it } from 'vitest';
import { isLoopback, validateKeySourceUrl } from '../../../src/keys/remote/url-rules.js';

describe('validateKeySourceUrl', () => {
  it('accepts https anywhere and http on loopback hosts', () => {
    expect(validateKeySourceUrl('https://idp.example.com/jwks', 'jwksUri').href).toBe(
      'https://idp.example.com/jwks',
    );
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      expect(validateKeySourceUrl(`http://${host}:8080/jwks`, 'jwksUri').protocol).toBe('http:');
    }
  });

  it('refuses http elsewhere, and loopback http when the operator did not write the URL', () => {
    expect(() => validateKeySourceUrl('http://idp.example.com/jwks', 'jwksUri')).toThrow(
      /option "jwksUri" must use https \(http is allowed only for loopback hosts\)/,
    );
    expect(() => validateKeySourceUrl('http://127.0.0.1/jwks', 'jwks_uri', false)).toThrow(
      /option "jwks_uri" must use https, got/,
    );
    expect(() => validateKeySourceUrl('ftp://idp.example.com/jwks', 'jwksUri')).toThrow(TypeError);
  });

  it('refuses relative URLs, and credentials without echoing the password', () => {
    expect(() => validateKeySourceUrl('/jwks', 'jwksUri')).toThrow(/must be an absolute URL/);
    let message = '';
    try {
      validateKeySourceUrl('https://user:hunter2@idp.example.com/jwks', 'jwksUri');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/must not contain a user name or password/);
    expect(message).not.toContain('hunter2');
  });

  it('isLoopback names exactly the loopback hosts', () => {
    expect(
      ['127.0.0.1', 'localhost', '[::1]', '127.0.0.2', 'example.com'].map((h) =>
        isLoopback(new URL(`http://${h}/`)),
      ),
    ).toEqual([true, true, true, false, false]);
  });
});
