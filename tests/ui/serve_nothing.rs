h3rs::serve!();
