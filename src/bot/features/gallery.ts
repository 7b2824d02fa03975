import { Composer } from 'grammy';
import { type CatalogueStyle, catalogueStyle, STYLE_CATALOGUE } from '../../services/style-catalogue.js';
import { examplesData, galleryData } from '../callback-data/photoshoot.js';
import type { BotContext } from '../context.js';
import { showCatalogueStyles } from './gallery-albums.js';
import { draftFor } from './photoshoot/setup.js';

const composer = new Composer<BotContext>();
const feature = composer.chatType('private');

// The style-source step's gallery: every catalogue style, pictured once /gallery build has run.
feature.callbackQuery(galleryData.filter, async (ctx) => {
  await ctx.answerCallbackQuery();
  await showCatalogueStyles(ctx, STYLE_CATALOGUE, 'gallery-list-header');
});

// The confirm step of random styles: the examples of the styles this draft got.
feature.callbackQuery(examplesData.filter, async (ctx) => {
  const data = examplesData.unpack(ctx.callbackQuery.data);
  const draft = await draftFor(ctx, data?.draft);
  if (!draft) return;
  const styles = (draft.styles ?? []).flatMap((s): CatalogueStyle[] => {
    const style = catalogueStyle(s.key);
    return style ? [style] : [];
  });
  if (styles.length === 0) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
  await ctx.answerCallbackQuery();
  await showCatalogueStyles(ctx, styles, 'gallery-chosen-header');
});

/** The style gallery as sellers see it before Generate: the catalogue's examples and the chosen styles' examples. */
export const galleryFeature = composer;
