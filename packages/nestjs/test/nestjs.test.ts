// Nest 12 (the devDependencies of this package), on platform-express and platform-fastify.
import 'reflect-metadata';
import * as common from '@nestjs/common';
import * as config from '@nestjs/config';
import * as core from '@nestjs/core';
import * as fastify from '@nestjs/platform-fastify';
import * as testing from '@nestjs/testing';
import * as tokengate from '@tokengate/nestjs';
import { describeNest } from './suite.js';

describeNest('nest 12', { common, config, core, fastify, testing, tokengate });
