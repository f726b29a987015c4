-- Rasa's tracker store lives next to the app's database (the app erases a person's events there).
CREATE DATABASE rasa OWNER sahayatri;
