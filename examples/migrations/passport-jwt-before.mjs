import express from 'express';
import jwksRsa from 'jwks-rsa';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';

passport.use(
  new JwtStrategy(
    {
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: jwksRsa.passportJwtSecret({
        jwksUri: 'https://idp.example.com/.well-known/jwks.json',
        cache: true,
        rateLimit: true,
        jwksRequestsPerMinute: 5,
      }),
      issuer: 'https://idp.example.com/',
      audience: 'api://orders',
      algorithms: ['RS256'],
    },
    (payload, done) => done(null, payload),
  ),
);

const app = express();
app.use(passport.initialize());
app.get('/', (_req, res) => res.json({ hello: 'world' }));
app.get('/me', passport.authenticate('jwt', { session: false }), (req, res) =>
  res.json({ sub: req.user.sub }),
);
app.listen(3000);
