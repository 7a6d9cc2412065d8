/**
 * {@code token-import card}: hardware tokens in PC/SC readers. {@link org.otpappliance.tokenimport.card.CardTransport}
 * is the only class that uses {@code javax.smartcardio}; {@link org.otpappliance.tokenimport.card.Ykoath} speaks
 * Yubico's OATH application over the {@link org.otpappliance.tokenimport.card.CardConnection} interface.
 * {@link org.otpappliance.tokenimport.card.DeskBatch} is {@code card enroll --wait}: it watches the readers through
 * the {@link org.otpappliance.tokenimport.card.SmartCards} interface and enrolls each key put in.
 */
package org.otpappliance.tokenimport.card;
