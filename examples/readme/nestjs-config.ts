import { Controller, Get, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Auth, type AuthContext, Public, TokengateModule } from '@tokengate/nestjs';

@Controller()
export class FeedController {
  @Get('feed')
  feed(@Auth({ optional: true }) auth: AuthContext | undefined) {
    return { personalized: auth !== undefined };
  }

  @Get('health')
  @Public()
  health() {
    return 'ok';
  }
}

@Module({
  imports: [
    TokengateModule.forRootAsync({
      imports: [ConfigModule.forRoot()],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        issuer: config.getOrThrow<string>('OIDC_ISSUER'),
        audience: config.getOrThrow<string>('API_AUDIENCE'),
        credentialsRequired: false, // anonymous requests get through; a bad token does not
      }),
    }),
  ],
  controllers: [FeedController],
})
export class AppModule {}
