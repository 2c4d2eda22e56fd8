import 'reflect-metadata';
import { type AuthContext, routingControllersAuth } from '@tokengate/express';
import {
  Authorized,
  Body,
  CurrentUser,
  createExpressServer,
  Get,
  JsonController,
  Param,
  Post,
} from 'routing-controllers';

@JsonController('/orders')
@Authorized() // every route of the controller needs a valid token
export class OrdersController {
  @Get('/')
  @Authorized('orders:read') // a scope
  list(@CurrentUser() auth: AuthContext) {
    return { orders: [], for: auth.subject };
  }

  @Post('/:id/refund')
  @Authorized(['orders:write', 'role:support']) // every entry: the scope and the role
  refund(@Param('id') id: string, @Body() body: { reason?: string }) {
    return { refunded: id, reason: body.reason ?? null };
  }
}

const app = createExpressServer({
  controllers: [OrdersController],
  ...routingControllersAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }),
});
app.listen(3000);
