import 'reflect-metadata';
import { Controller, Delete, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Auth, type AuthContext, RequireRole, RequireScope, TokengateModule } from '@tokengate/nestjs';

@Controller('orders')
@RequireScope('orders:read')
class OrdersController {
  @Get()
  list(@Auth() auth: AuthContext) {
    return { user: auth.subject };
  }

  @Delete(':id')
  @RequireRole('admin') // and orders:read, from the class
  remove(@Param('id') id: string) {
    return { deleted: id };
  }
}

@Module({
  imports: [TokengateModule.forRoot({ issuer: 'https://idp.example.com/', audience: 'api://orders' })],
  controllers: [OrdersController],
})
class AppModule {}

const app = await NestFactory.create(AppModule);
await app.listen(3000);
