-- Why a mutation was refused, as the code the app translates (app::domain::Refusal); rows
-- kept before codes existed have none, and the app shows their English reason.
ALTER TABLE sync_rejections ADD COLUMN code TEXT;
