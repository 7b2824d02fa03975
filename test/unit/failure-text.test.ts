import { describe, expect, it } from 'vitest';
import { failureText } from '../../src/bot/views/failures.js';
import { PhotoTooBigError } from '../../src/photoshoot/photos.js';
import { AiUnavailableError } from '../../src/services/ai-errors.js';
import { ConverterBusyError, ImageRejectedError } from '../../src/services/image-converter.js';

describe('what a seller is told of a failure', () => {
  it('names the busy AI service with the seconds until it is tried again', () => {
    expect(failureText(new AiUnavailableError('images', 42))).toEqual({
      key: 'progress-busy',
      variables: { seconds: 42 },
      retryInSeconds: 42,
    });
  });

  it('says our image converter is busy for a moment (its queue is full) rather than that something went wrong', () => {
    expect(failureText(new ConverterBusyError('Image converter is full'))).toEqual({ key: 'error-busy' });
  });

  it('names what is wrong with the photo', () => {
    expect(failureText(new PhotoTooBigError('too big'))).toEqual({ key: 'photo-too-big', photo: true });
    expect(failureText(new ImageRejectedError('corrupt', 'damaged'))).toEqual({ key: 'photo-corrupt', photo: true });
  });

  it('leaves any other failure to the generic text', () => {
    expect(failureText(new Error('boom'))).toBeUndefined();
    expect(failureText('not an error')).toBeUndefined();
  });
});
