import { type ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { authErrorOf } from '@tokengate/nestjs';

@Catch()
export class AllExceptionsFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('auth');

  override catch(exception: unknown, host: ArgumentsHost) {
    const refusal = authErrorOf(exception); // the AuthError, or undefined
    if (refusal) this.logger.log(`refused: ${refusal.code} ${refusal.reason ?? ''}`);
    super.catch(exception, host); // status, WWW-Authenticate and Retry-After are kept
  }
}
// main.ts: app.useGlobalFilters(new AllExceptionsFilter(app.getHttpAdapter()));
