# Photo intake: tips, warnings, the next draft while a photoshoot runs, the product in the results.

intake-photo-tips = 📸 Tip for the best results: good, even light, a plain background, and the whole product in the frame.
intake-small-photo = ⚠️ This photo is small ({ $width }×{ $height } px), so the results will be soft. For sharp results, send a photo at least { $side } px on its short side, or send it as a file.
intake-next-draft = ⏳ Your current photoshoot is still running: set this one up now, and I'll start it when the current one is done.
intake-waiting = ⏳ I'll start this one when the current photoshoot is done. Nothing is charged until then.
intake-next-no-balance = Your photoshoot is done, but you have no photoshoots left to start the next one you set up. Buy a package, then press Generate on it again.
result-product = 📦 { $product }
